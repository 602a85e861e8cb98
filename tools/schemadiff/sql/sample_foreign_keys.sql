-- Foreign keys of every table in the given schemas, columns pairwise in constraint
-- order: rehearsal rows are inserted parents first and take their parents' values.
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
  FROM pg_constraint con
  JOIN pg_class cc ON cc.oid = con.conrelid
  JOIN pg_namespace cn ON cn.oid = cc.relnamespace
  JOIN pg_class pc ON pc.oid = con.confrelid
  JOIN pg_namespace pn ON pn.oid = pc.relnamespace
 WHERE con.contype = 'f' AND cn.nspname = ANY (%(schemas)s) AND NOT cc.relispartition
 ORDER BY cn.nspname, cc.relname, con.conname;
