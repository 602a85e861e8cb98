-- What depends on a function in ways that block dropping it: column defaults, indexes,
-- constraints, policies, triggers and views that call it, and routines with a
-- SQL-standard body (BEGIN ATOMIC / RETURN, PG14+), whose calls are recorded in pg_depend.
WITH target AS (
    SELECT f.oid FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
    WHERE n.nspname = %(schema)s AND f.proname = %(name)s
      AND pg_get_function_identity_arguments(f.oid) = %(arguments)s
), deps AS (
    SELECT DISTINCT classid, objid, objsubid FROM pg_depend
    WHERE refclassid = 'pg_proc'::regclass AND refobjid IN (SELECT oid FROM target)
      AND deptype = 'n'
)
SELECT 'default' AS kind, n.nspname AS schema, r.relname AS parent, a.attname AS name
FROM deps d JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum AND a.attgenerated = ''
JOIN pg_class r ON r.oid = ad.adrelid JOIN pg_namespace n ON n.oid = r.relnamespace
UNION ALL
SELECT 'function', n.nspname, pg_get_function_identity_arguments(p.oid), p.proname
FROM deps d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
JOIN pg_namespace n ON n.oid = p.pronamespace
