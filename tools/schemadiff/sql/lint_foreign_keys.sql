-- Foreign keys whose referencing columns no valid, non-partial index leads with (in any
-- order): deleting or updating a referenced row then scans the whole referencing table,
-- under lock.
SELECT n.nspname AS schema,
       t.relname AS table_name,
       con.conname AS constraint_name,
       array(SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       format('%I.%I', rn.nspname, r.relname) AS referenced
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE con.contype = 'f'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND NOT EXISTS (
      SELECT FROM pg_index x
       WHERE x.indrelid = con.conrelid
         AND x.indisvalid
         AND x.indpred IS NULL
         AND (string_to_array(x.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]
             @> con.conkey
         AND (string_to_array(x.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]
             <@ con.conkey)
ORDER BY 1, 2, 3;
