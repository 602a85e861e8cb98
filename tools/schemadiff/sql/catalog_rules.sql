-- Rules (CREATE RULE) on managed relations; not the _RETURN rule that makes a view.
SELECT
    n.nspname AS schema,
    c.relname AS table_name,
    r.rulename AS name,
    pg_get_ruledef(r.oid) AS definition,
    r.ev_enabled::text AS enabled,
    obj_description(r.oid, 'pg_rewrite') AS comment
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND r.rulename <> '_RETURN'
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3;
