-- User triggers (not the internal ones behind foreign keys) on managed relations.
SELECT
    n.nspname AS schema,
    c.relname AS table_name,
    t.tgname AS name,
    pg_get_triggerdef(t.oid) AS definition,
    t.tgenabled::text AS enabled,
    obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT t.tgisinternal
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3;
