-- Columns of the ordinary and partitioned tables of the given schemas, with whether
-- each is part of the primary key, a foreign key or a unique constraint (for `erd`).
SELECT n.nspname AS schema,
       c.relname AS name,
       a.attname AS column,
       format_type(a.atttypid, a.atttypmod) AS type,
       EXISTS (SELECT 1 FROM pg_constraint k
               WHERE k.conrelid = c.oid AND k.contype = 'p' AND a.attnum = ANY (k.conkey)) AS pk,
       EXISTS (SELECT 1 FROM pg_constraint k
               WHERE k.conrelid = c.oid AND k.contype = 'f' AND a.attnum = ANY (k.conkey)) AS fk,
       EXISTS (SELECT 1 FROM pg_constraint k
               WHERE k.conrelid = c.oid AND k.contype = 'u' AND a.attnum = ANY (k.conkey)) AS uk
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY (%(schemas)s)
ORDER BY n.nspname, c.relname, a.attnum;
