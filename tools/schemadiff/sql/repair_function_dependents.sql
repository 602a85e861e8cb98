-- What depends on a function in ways that block dropping it: column defaults, indexes,
-- constraints, policies, triggers and views that call it.
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
SELECT 'index', n.nspname, NULL::text, c.relname
FROM deps d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE d.objsubid = 0 AND c.relkind IN ('i', 'I')
UNION ALL
SELECT 'constraint', n.nspname, r.relname, k.conname
FROM deps d JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND k.oid = d.objid
JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
UNION ALL
SELECT 'policy', n.nspname, r.relname, p.polname
FROM deps d JOIN pg_policy p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
JOIN pg_class r ON r.oid = p.polrelid JOIN pg_namespace n ON n.oid = r.relnamespace
UNION ALL
SELECT 'trigger', n.nspname, r.relname, g.tgname
FROM deps d JOIN pg_trigger g ON d.classid = 'pg_trigger'::regclass AND g.oid = d.objid
JOIN pg_class r ON r.oid = g.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
UNION ALL
SELECT DISTINCT 'view', n.nspname, NULL::text, v.relname
FROM deps d JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
JOIN pg_class v ON v.oid = rw.ev_class JOIN pg_namespace n ON n.oid = v.relnamespace
ORDER BY 1, 2, 3, 4;
