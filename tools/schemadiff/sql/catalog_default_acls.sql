-- ALTER DEFAULT PRIVILEGES entries: per (role, schema, object type); schema is NULL for
-- the database-wide entries, which hold a whole ACL rather than additions to one.
SELECT
    pg_get_userbyid(d.defaclrole) AS role,
    n.nspname AS schema,
    d.defaclobjtype::text AS objtype,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(d.defaclacl) a) AS acl
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclnamespace = 0 OR n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2 NULLS FIRST, 3;
