-- User-defined casts (database-wide: CREATE CAST names no schema), as CREATE CAST writes
-- them; not extension members nor the casts Postgres makes for a range's multirange.
SELECT
    format_type(c.castsource, NULL) AS source,
    format_type(c.casttarget, NULL) AS target,
    CASE c.castmethod
        WHEN 'f' THEN 'WITH FUNCTION ' || c.castfunc::regprocedure::text
        WHEN 'i' THEN 'WITH INOUT'
        ELSE 'WITHOUT FUNCTION' END
    || CASE c.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END
        AS definition,
    obj_description(c.oid, 'pg_cast') AS comment
FROM pg_cast c
WHERE c.oid >= 16384
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_cast'::regclass AND e.objid = c.oid
                     AND e.deptype IN ('e', 'i'))
ORDER BY 1, 2;
