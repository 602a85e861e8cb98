-- Inherited columns a child table also declares itself (attislocal): Postgres keeps
-- them when the parent drops its column, where an inherited-only column goes with it.
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attinhcount > 0 AND a.attislocal AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3;
