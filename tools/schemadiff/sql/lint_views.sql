-- Views in the exposed schemas without security_invoker: they read their tables with
-- their owner's rights, so the owner's grants and RLS bypass apply to every caller.
SELECT n.nspname AS schema,
       c.relname AS view_name,
       pg_get_userbyid(c.relowner) AS owner
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND n.nspname = ANY(%(schemas)s)
  AND NOT coalesce((SELECT lower(o.option_value) IN ('true', 'on', '1', 'yes')
                      FROM pg_options_to_table(c.reloptions) o
                     WHERE o.option_name = 'security_invoker'), false)
ORDER BY 1, 2;
