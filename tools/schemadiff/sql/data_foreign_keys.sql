-- Foreign keys from the given tables: for ordering reference tables (parents first)
-- and for matching a column that points at a parent's generated id by the parent
-- row's natural key instead. Columns are listed in constraint order, pairwise.
SELECT cn.nspname AS schema,
       cc.relname AS name,
       pn.nspname AS parent_schema,
       pc.relname AS parent_name,
       ARRAY(SELECT a.attname
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS parent_columns
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS wanted(schema, name)
  JOIN pg_namespace cn ON cn.nspname = wanted.schema
  JOIN pg_class cc ON cc.relnamespace = cn.oid AND cc.relname = wanted.name
  JOIN pg_constraint con ON con.conrelid = cc.oid AND con.contype = 'f'
  JOIN pg_class pc ON pc.oid = con.confrelid
  JOIN pg_namespace pn ON pn.oid = pc.relnamespace
 ORDER BY cn.nspname, cc.relname, con.conname;
