-- Functions, procedures and aggregates of the managed schemas. `full_definition` is what
-- the judge compares; the migra_* columns are the fields migra compares, so the
-- supplement knows when migra already re-creates the function.
SELECT
    n.nspname AS schema,
    p.proname AS name,
    pg_get_function_identity_arguments(p.oid) AS arguments,
    p.prokind::text AS prokind,
    pg_get_userbyid(p.proowner) AS owner,
    -- pg_get_functiondef refuses aggregates.
    CASE WHEN p.prokind = 'a' THEN
        format('aggregate %%s(%%s) returns %%s', p.proname,
               pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid))
    ELSE pg_get_functiondef(p.oid) END AS full_definition,
    p.prosrc AS migra_body,
    concat_ws(' ', l.lanname, p.provolatile, p.proisstrict, p.prosecdef,
              pg_get_function_result(p.oid)) AS migra_signature,
    obj_description(p.oid, 'pg_proc') AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a) AS acl
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3;
