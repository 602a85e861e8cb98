-- What each role may do to each relation, as Postgres decides it: the has_*_privilege
-- functions count grants to the role, to roles it inherits from, and to PUBLIC. A column
-- grant alone also allows the command (on those columns): the *_columns arrays name them
-- when there is no grant on the whole table.
SELECT r.rolname AS role,
       c.oid::int8 AS oid,
       has_schema_privilege(r.oid, c.relnamespace, 'USAGE') AS usage,
       has_any_column_privilege(r.oid, c.oid, 'SELECT') AS can_select,
       has_any_column_privilege(r.oid, c.oid, 'INSERT') AS can_insert,
       has_any_column_privilege(r.oid, c.oid, 'UPDATE') AS can_update,
       has_table_privilege(r.oid, c.oid, 'DELETE') AS can_delete,
       CASE WHEN NOT has_table_privilege(r.oid, c.oid, 'SELECT') THEN
           array(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT')
                  ORDER BY a.attnum) END AS select_columns,
       CASE WHEN NOT has_table_privilege(r.oid, c.oid, 'INSERT') THEN
           array(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND has_column_privilege(r.oid, c.oid, a.attnum, 'INSERT')
                  ORDER BY a.attnum) END AS insert_columns,
       CASE WHEN NOT has_table_privilege(r.oid, c.oid, 'UPDATE') THEN
           array(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    AND has_column_privilege(r.oid, c.oid, a.attnum, 'UPDATE')
                  ORDER BY a.attnum) END AS update_columns,
       -- RLS does not apply to the table's owner (or a member who inherits its rights)
       -- unless FORCE ROW LEVEL SECURITY; BYPASSRLS is an attribute, never inherited.
       pg_has_role(r.oid, c.relowner, 'USAGE') AS owns,
       r.rolsuper AS superuser,
       r.rolbypassrls AS bypassrls
FROM pg_roles r
CROSS JOIN pg_class c
WHERE r.rolname = ANY(%(roles)s)
  AND c.oid = ANY(%(oids)s::oid[])
ORDER BY 1, 2;
