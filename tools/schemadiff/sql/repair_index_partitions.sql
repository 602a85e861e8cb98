-- Each partition index attached to a partitioned index, in the given schemas.
SELECT pn.nspname AS parent_schema, p.relname AS parent_name,
       cn.nspname AS child_schema, c.relname AS child_name,
       tn.nspname AS table_schema, t.relname AS table_name
FROM pg_inherits i
JOIN pg_class p ON p.oid = i.inhparent AND p.relkind = 'I'
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_index x ON x.indexrelid = c.oid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE pn.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3, 4;
