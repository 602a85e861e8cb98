-- Foreign keys of tables in the given schemas (to any table, platform ones too): the
-- referencing columns, whether they are all NOT NULL, and whether they are unique
-- (a key of their own: one-to-one); the referenced columns, their types, and whether
-- they are the referenced table's primary key, for `erd`.
SELECT n.nspname AS schema,
       c.relname AS name,
       fn.nspname AS ref_schema,
       f.relname AS ref_name,
       k.conname AS constraint,
       array(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(num, i)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num
             ORDER BY u.i)::text[] AS columns,
       array(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(num, i)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num
             ORDER BY u.i)::text[] AS ref_columns,
       array(SELECT format_type(a.atttypid, a.atttypmod) FROM unnest(k.confkey)
             WITH ORDINALITY u(num, i)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num
             ORDER BY u.i)::text[] AS ref_types,
       EXISTS (SELECT 1 FROM pg_constraint p
               WHERE p.conrelid = k.confrelid AND p.contype = 'p'
                 AND p.conkey @> k.confkey AND p.conkey <@ k.confkey) AS ref_pk,
       NOT EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
                     AND NOT a.attnotnull) AS required,
       EXISTS (SELECT 1 FROM pg_constraint u
               WHERE u.conrelid = k.conrelid AND u.contype IN ('p', 'u')
                 AND u.conkey::int2[] @> k.conkey AND u.conkey::int2[] <@ k.conkey) AS unique
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class f ON f.oid = k.confrelid
JOIN pg_namespace fn ON fn.oid = f.relnamespace
WHERE k.contype = 'f' AND n.nspname = ANY (%(schemas)s) AND NOT c.relispartition
ORDER BY n.nspname, c.relname, k.conname;
