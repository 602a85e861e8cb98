-- Tables of the given schemas (partitions through their parent) and their primary key
-- columns, for reading every row of a rehearsal database in one query.
SELECT n.nspname AS schema,
       c.relname AS name,
       ARRAY(SELECT a.attname
               FROM pg_index i
               JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary
              ORDER BY k.ord) AS primary_key
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname = ANY (%(schemas)s)
 ORDER BY 1, 2;
