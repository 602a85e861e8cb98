-- The managed schemas themselves: owner, privileges, comment.
SELECT
    n.nspname AS schema,
    pg_get_userbyid(n.nspowner) AS owner,
    obj_description(n.oid, 'pg_namespace') AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a) AS acl
FROM pg_namespace n
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1;
