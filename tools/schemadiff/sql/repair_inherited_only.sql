-- Columns an inheritance child has from its parent alone (not attislocal): Postgres gives
-- them to the child itself, so the child's CREATE TABLE must not declare them.
-- Partitions are left out (their columns always come from the partitioned table).
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attinhcount > 0 AND NOT a.attislocal AND a.attnum > 0 AND NOT a.attisdropped
  AND NOT c.relispartition
  AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3;
