-- The objects in the CTE `deps` (pg_depend rows), described as (kind, schema, parent, name):
-- indexes, constraints, policies, triggers and views. Appended by dependents.query() to a
-- file that defines `deps` and may add kinds of its own.
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
