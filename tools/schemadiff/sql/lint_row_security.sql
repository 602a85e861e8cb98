-- Tables in the exposed schemas (those the Supabase API serves), whether row-level
-- security is on, and whether any policy exists.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       c.relrowsecurity AS rls_enabled,
       EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2;
