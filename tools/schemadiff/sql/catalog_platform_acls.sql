-- Privileges on the platform's own objects (Supabase's auth, storage and realtime schemas,
-- their tables, views, sequences and routines): a project may grant or revoke on them
-- (`grant select on storage.objects to …`, `revoke execute on function auth.… from …`),
-- and only that is compared; their structure is the platform's, never diffed.
SELECT 'schema' AS kind, n.nspname AS schema, '' AS name, '' AS member,
       (SELECT json_agg(json_build_array(
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable))
          FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a) AS acl
FROM pg_namespace n
WHERE n.nspname = ANY(%(platform)s)
UNION ALL
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                      WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
       n.nspname, c.relname, '',
       (SELECT json_agg(json_build_array(
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable))
          FROM aclexplode(coalesce(c.relacl, acldefault(
                   CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(platform)s) AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                     AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
       n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
       (SELECT json_agg(json_build_array(
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                   a.privilege_type, a.is_grantable))
          FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(platform)s) AND p.prokind IN ('f', 'p', 'w')
  AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass
                     AND e.objid = p.oid AND e.deptype = 'e')
ORDER BY 1, 2, 3, 4;
