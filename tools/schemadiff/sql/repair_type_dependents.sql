-- What depends on a type (or its array type) in ways that block re-creating the type:
-- indexes, constraints, policies and triggers whose expressions hold one of its values,
-- functions whose arguments or result use it, and views that read a column of the type
-- or hold one of its values. Columns and defaults are left out: migra re-casts and re-adds
-- those itself.
WITH target AS (
    SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = %(schema)s AND t.typname = %(name)s
    UNION
    SELECT t.typarray FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = %(schema)s AND t.typname = %(name)s
), deps AS (
    -- On the type itself (a value of it in an expression, a function's argument) ...
    SELECT DISTINCT classid, objid, objsubid FROM pg_depend
    WHERE refclassid = 'pg_type'::regclass AND refobjid IN (SELECT oid FROM target)
      AND deptype = 'n'
    UNION
    -- ... or on a column of the type (a policy calling a function on it).
    SELECT DISTINCT classid, objid, objsubid FROM pg_depend
    WHERE refclassid = 'pg_class'::regclass AND deptype = 'n'
      AND (refobjid, refobjsubid) IN (
          SELECT attrelid, attnum FROM pg_attribute
          WHERE atttypid IN (SELECT oid FROM target) AND NOT attisdropped)
)
SELECT 'index' AS kind, n.nspname AS schema, NULL::text AS parent, c.relname AS name
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
SELECT 'function', n.nspname, pg_get_function_identity_arguments(f.oid), f.proname
FROM deps d JOIN pg_proc f ON d.classid = 'pg_proc'::regclass AND f.oid = d.objid
JOIN pg_namespace n ON n.oid = f.pronamespace
UNION ALL
SELECT DISTINCT 'view', n.nspname, NULL::text, v.relname
FROM deps d
JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
JOIN pg_class v ON v.oid = rw.ev_class JOIN pg_namespace n ON n.oid = v.relnamespace
ORDER BY 1, 2, 3, 4;
