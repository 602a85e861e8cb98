-- Functions in the exposed schemas the Data API can call (/rpc), and who may call them.
-- EXECUTE goes to PUBLIC on every new function unless revoked; has_function_privilege
-- counts that, and inherited grants. Left out: extension members (not the project's
-- code) and trigger functions (only a trigger can call them).
SELECT r.rolname AS role,
       p.oid::int8 AS oid,
       n.nspname AS schema,
       p.proname AS name,
       oidvectortypes(p.proargtypes) AS args,  -- the types identify it; names do not
       p.prosecdef AS security_definer,
       pg_get_userbyid(p.proowner) AS owner,
       has_schema_privilege(r.oid, n.oid, 'USAGE') AS usage,
       has_function_privilege(r.oid, p.oid, 'EXECUTE') AS can_execute
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN pg_roles r
WHERE n.nspname = ANY(%(schemas)s)
  AND r.rolname = ANY(%(roles)s)
  AND p.prokind = 'f'
  AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
  AND NOT EXISTS (SELECT FROM pg_depend d
                   WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                     AND d.deptype = 'e')
ORDER BY 3, 4, 5, 1;
