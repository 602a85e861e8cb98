-- The type of each given column (diff/conversions.py): the built-in type's name, NULL for
-- any type outside pg_catalog (a domain, an enum, an extension's type), the typmod, and
-- the collation by name (NULL for a type without one).
SELECT n.nspname || '.' || c.relname AS table_name,
       a.attname AS column_name,
       CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace THEN t.typname::text END AS type,
       a.atttypmod AS typmod,
       (SELECT cn.nspname || '.' || co.collname FROM pg_collation co
          JOIN pg_namespace cn ON cn.oid = co.collnamespace
         WHERE co.oid = a.attcollation) AS collation
FROM unnest(%(tables)s::text[], %(columns)s::text[]) AS w (table_name, column_name)
JOIN pg_namespace n ON true
JOIN pg_class c ON c.relnamespace = n.oid AND n.nspname || '.' || c.relname = w.table_name
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = w.column_name
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attnum > 0 AND NOT a.attisdropped;
