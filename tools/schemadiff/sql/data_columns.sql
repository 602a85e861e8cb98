-- Columns of the given tables, in table order, with how each one gets its value.
-- Identifiers come back quoted by Postgres's quote_ident (only where needed): safe to
-- put in a statement, and as readable as the schema allows.
-- The tables are named by two parallel text arrays of parameters: schemas and names.
-- format_type() qualifies a type with its schema unless the type is visible on the
-- search_path; data.py reads with search_path = pg_catalog, so user types come out
-- schema-qualified and a rendered literal casts to the right type wherever it runs.
SELECT n.nspname AS schema,
       c.relname AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS table_sql,
       a.attname AS column,
       quote_ident(a.attname) AS column_sql,
       format_type(a.atttypid, a.atttypmod) AS type,
       a.atthasdef AS has_default,
       a.attgenerated <> '' AS generated,
       a.attidentity AS identity
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS wanted(schema, name)
  JOIN pg_namespace n ON n.nspname = wanted.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name
  JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relkind IN ('r', 'p')
   AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY n.nspname, c.relname, a.attnum;
