-- The kind (pg_class.relkind) of each named relation that exists: an INSERT target that
-- is not a table ('r', 'p') holds no reference data of its own.
-- The relations are named by two parallel text arrays of parameters: schemas and names.
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS wanted(schema, name)
  JOIN pg_namespace n ON n.nspname = wanted.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = wanted.name;
