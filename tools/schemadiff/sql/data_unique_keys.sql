-- Unique indexes (and the constraints they back) of the given tables: the candidates
-- for a natural key. Only key columns count (not INCLUDE columns). An index that is
-- partial, has expressions, or backs a deferrable constraint cannot be an
-- ON CONFLICT (columns) arbiter; data.py skips those.
SELECT n.nspname AS schema,
       c.relname AS name,
       i.relname AS index_name,
       con.conname AS constraint_name,
       x.indisprimary AS is_primary,
       ARRAY(SELECT a.attname
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
              WHERE k.ord <= x.indnkeyatts
              ORDER BY k.ord) AS columns,
       ARRAY(SELECT k.attnum
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
              WHERE k.ord <= x.indnkeyatts
              ORDER BY k.ord) AS attnums,
       (x.indpred IS NOT NULL OR x.indexprs IS NOT NULL
        OR coalesce(con.condeferrable, false)) AS unusable
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS wanted(schema, name)
  JOIN pg_namespace n ON n.nspname = wanted.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name
  JOIN pg_index x ON x.indrelid = c.oid
  JOIN pg_class i ON i.oid = x.indexrelid
  LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid
                             AND con.conrelid = c.oid
                             AND con.contype IN ('p', 'u')
 WHERE x.indisunique
   AND x.indisvalid
 ORDER BY n.nspname, c.relname, i.relname;
