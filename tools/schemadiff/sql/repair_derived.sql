-- Constraints and triggers Postgres derives from another one: a partition's copy of its
-- parent's foreign key and the per-partition copies of a foreign key that references a
-- partitioned table (conparentid <> 0), a CHECK a child only inherits (coninhcount > 0,
-- not declared locally), a partition's clone of its parent's row trigger (tgparentid,
-- PG13+). Postgres creates and drops them with their parent.
SELECT 'constraint' AS kind, n.nspname AS schema, r.relname AS table_name, c.conname AS name
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE (c.conparentid <> 0 OR (c.coninhcount > 0 AND NOT c.conislocal))
  AND n.nspname = ANY(%(schemas)s)
UNION ALL
SELECT 'trigger', n.nspname, r.relname, t.tgname
FROM pg_trigger t
JOIN pg_class r ON r.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE t.tgparentid <> 0 AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3, 4;
