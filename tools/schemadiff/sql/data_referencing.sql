-- Foreign keys pointing at the given tables, from any table: a reference row that other
-- rows point at is never deleted by a rollback, and a removal names who points at it.
SELECT pn.nspname AS schema,
       pc.relname AS name,
       format('%%I.%%I', cn.nspname, cc.relname) AS child_sql,
       cn.nspname || '.' || cc.relname AS child,
       con.confdeltype AS on_delete,
       ARRAY(SELECT a.attname
               FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS columns,
       ARRAY(SELECT a.attname
               FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord) AS parent_columns
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS wanted(schema, name)
  JOIN pg_namespace pn ON pn.nspname = wanted.schema
  JOIN pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = wanted.name
  JOIN pg_constraint con ON con.confrelid = pc.oid AND con.contype = 'f'
  JOIN pg_class cc ON cc.oid = con.conrelid
  JOIN pg_namespace cn ON cn.oid = cc.relnamespace
 ORDER BY 1, 2, 4, con.conname;
