-- Table and domain constraints of the managed schemas, by name.
-- Not NOT NULL ones (contype 'n': Postgres 18 for tables, 17 for domains): nullability is
-- compared as a property of the column (catalog_columns.sql) or domain (catalog_types.sql),
-- as on older servers, which store no such constraint. Their names are never compared:
-- they depend on history (a renamed column keeps the old name, an inheriting or attached
-- table gets its parent's or keeps its own) and an explicit name looks like a generated one.
SELECT
    n.nspname AS schema,
    coalesce(c.relname, t.typname) AS parent,
    CASE WHEN con.contypid <> 0 THEN 'domain' ELSE 'table' END AS parent_kind,
    con.conname AS name,
    con.contype::text AS contype,
    pg_get_constraintdef(con.oid) AS definition,
    obj_description(con.oid, 'pg_constraint') AS comment
FROM pg_constraint con
JOIN pg_namespace n ON n.oid = con.connamespace
LEFT JOIN pg_class c ON c.oid = con.conrelid AND con.conrelid <> 0
LEFT JOIN pg_type t ON t.oid = con.contypid AND con.contypid <> 0
WHERE n.nspname = ANY(%(schemas)s)
  AND (c.oid IS NOT NULL OR t.oid IS NOT NULL)
  AND con.contype <> 'n'
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.objid IN (c.oid, t.oid) AND e.deptype = 'e'
                     AND e.classid IN ('pg_class'::regclass, 'pg_type'::regclass))
ORDER BY 1, 2, 4;
