-- Indexes of the managed relations; the name is part of the identity.
SELECT
    n.nspname AS schema,
    i.relname AS name,
    c.relname AS table_name,
    pg_get_indexdef(i.oid) AS definition,
    obj_description(i.oid, 'pg_class') AS comment
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_class'::regclass AND e.objid IN (c.oid, i.oid)
                     AND e.deptype = 'e')
ORDER BY 1, 2;
