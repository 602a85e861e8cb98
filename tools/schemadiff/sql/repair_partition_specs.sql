-- The partition key of each partitioned table and the bound of each partition, apart
-- (schemainspect's partition_def holds the one or the other, or both run together).
SELECT n.nspname AS schema, c.relname AS name,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid, true) END AS bound
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relkind = 'p' OR c.relispartition) AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2;
