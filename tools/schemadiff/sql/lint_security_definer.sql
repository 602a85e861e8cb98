-- SECURITY DEFINER functions without their own search_path: they run with their owner's
-- rights and resolve unqualified names through the caller's search_path, so a caller
-- who can create objects earlier in that path can run code as the owner.
SELECT n.nspname AS schema,
       p.proname AS function_name,
       pg_get_function_identity_arguments(p.oid) AS args,
       pg_get_userbyid(p.proowner) AS owner
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%')
  AND NOT EXISTS (SELECT FROM pg_depend d
                   WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                     AND d.deptype = 'e')
ORDER BY 1, 2, 3;
