-- The policies that apply to each role: those TO PUBLIC, or TO a role whose rights the
-- role has (membership with INHERIT), which is how Postgres picks them.
SELECT r.rolname AS role,
       p.polrelid::int8 AS oid,
       p.polname AS name,
       p.polcmd::text AS cmd,  -- r SELECT, a INSERT, w UPDATE, d DELETE, * ALL
       p.polpermissive AS permissive,
       array(SELECT CASE WHEN pr = 0 THEN 'public' ELSE pg_get_userbyid(pr)::text END
               FROM unnest(p.polroles) pr) AS policy_roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
CROSS JOIN pg_roles r
WHERE p.polrelid = ANY(%(oids)s::oid[])
  AND r.rolname = ANY(%(roles)s)
  AND EXISTS (SELECT FROM unnest(p.polroles) pr
               WHERE CASE WHEN pr = 0 THEN true ELSE pg_has_role(r.oid, pr, 'USAGE') END)
ORDER BY 1, 2, 3;
