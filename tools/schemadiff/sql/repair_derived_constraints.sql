-- Constraints Postgres derives from another one (conparentid <> 0): a partition's copy
-- of its parent's foreign key, and the per-partition copies of a foreign key that
-- references a partitioned table. Postgres creates and drops them with their parent.
SELECT n.nspname AS schema, r.relname AS table_name, c.conname AS name
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE c.conparentid <> 0 AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3;
