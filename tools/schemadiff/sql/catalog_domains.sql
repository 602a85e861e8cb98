-- Domains of the managed schemas: base type, collation, default, NOT NULL. Their CHECK
-- constraints are in catalog_constraints.sql.
SELECT
    n.nspname AS schema,
    t.typname AS name,
    pg_get_userbyid(t.typowner) AS owner,
    format_type(t.typbasetype, t.typtypmod) AS base_type,
    -- Only a collation that differs from the base type's is part of the definition.
    CASE WHEN t.typcollation <> b.typcollation THEN
        (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
           FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = t.typcollation) END AS collation,
    t.typdefault AS default_expr,
    t.typnotnull AS not_null,
    obj_description(t.oid, 'pg_type') AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a) AS acl
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_type b ON b.oid = t.typbasetype
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype = 'd'
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 1, 2;
