-- The policies that apply to each role: those TO PUBLIC, or TO a role whose rights the
-- role has (membership with INHERIT), which is how Postgres picks them. Each policy's
-- expressions are printed once (pg_get_expr is the costly part), then paired with roles.
WITH policy AS MATERIALIZED (
    SELECT p.polrelid::int8 AS oid,
           p.polname AS name,
           p.polcmd::text AS cmd,  -- r SELECT, a INSERT, w UPDATE, d DELETE, * ALL
           p.polpermissive AS permissive,
           p.polroles,
           pg_get_expr(p.polqual, p.polrelid) AS using_expr,
           pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
    FROM pg_policy p
    JOIN unnest(%(oids)s::oid[]) AS wanted(oid) ON wanted.oid = p.polrelid
)
SELECT r.rolname AS role, policy.oid, policy.name, policy.cmd, policy.permissive,
       policy.using_expr, policy.check_expr
FROM policy
CROSS JOIN pg_roles r
WHERE r.rolname = ANY(%(roles)s)
  AND EXISTS (SELECT FROM unnest(policy.polroles) pr
               WHERE CASE WHEN pr = 0 THEN true ELSE pg_has_role(r.oid, pr, 'USAGE') END)
ORDER BY 1, 2, 3;
