-- Relations the Data API can reach: tables, views, materialized views and foreign tables
-- in the exposed schemas, plus every relation a view among them reads, recursively: a
-- view reaches no further than the relations under it, read with its owner's rights
-- (or the caller's, with security_invoker).
WITH RECURSIVE exposed AS (
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(%(schemas)s)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
), reads AS (
    -- A view's _RETURN rule depends on every relation its query names.
    SELECT DISTINCT rw.ev_class AS view_oid, d.refobjid AS base_oid
    FROM pg_rewrite rw
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
    JOIN pg_class b ON b.oid = d.refobjid
    WHERE rw.rulename = '_RETURN'
      AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid <> rw.ev_class
      AND b.relkind IN ('r', 'p', 'v', 'm', 'f')
), closure AS (
    SELECT oid FROM exposed
    UNION
    SELECT reads.base_oid FROM closure JOIN reads ON reads.view_oid = closure.oid
)
SELECT c.oid::int8 AS oid,
       n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS relkind,
       pg_get_userbyid(c.relowner) AS owner,
       c.relrowsecurity AS rls,
       c.relforcerowsecurity AS rls_forced,
       (SELECT o.option_value FROM pg_options_to_table(c.reloptions) o
         WHERE o.option_name = 'security_invoker') AS security_invoker,
       -- Bits of the commands an auto-updatable view (or one with INSTEAD triggers or
       -- rules) accepts: 4 UPDATE, 8 INSERT, 16 DELETE.
       CASE WHEN c.relkind = 'v' THEN pg_relation_is_updatable(c.oid, false) END AS updatable,
       c.oid IN (SELECT oid FROM exposed) AS exposed,
       array(SELECT r.base_oid::int8 FROM reads r WHERE r.view_oid = c.oid ORDER BY 1) AS reads
FROM closure
JOIN pg_class c ON c.oid = closure.oid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY n.nspname, c.relname;
