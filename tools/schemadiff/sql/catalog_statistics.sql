-- Extended statistics (CREATE STATISTICS) of the managed schemas.
SELECT
    n.nspname AS schema,
    s.stxname AS name,
    tn.nspname AS table_schema,
    c.relname AS table_name,
    pg_get_userbyid(s.stxowner) AS owner,
    pg_get_statisticsobjdef(s.oid) AS definition,
    -- -1 (Postgres 16 and older) and NULL (17+) both mean "the default target".
    nullif(s.stxstattarget::int, -1) AS target,
    obj_description(s.oid, 'pg_statistic_ext') AS comment
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_class c ON c.oid = s.stxrelid
JOIN pg_namespace tn ON tn.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_statistic_ext'::regclass AND e.objid = s.oid
                     AND e.deptype = 'e')
ORDER BY 1, 2;
