-- Every policy's expressions, as Postgres prints them, for rules that read them.
SELECT n.nspname AS schema,
       c.relname AS table_name,
       p.polname AS policy_name,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 1, 2, 3;
