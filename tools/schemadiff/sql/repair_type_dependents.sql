-- What depends on a type (or its array type) in ways that block re-creating the type:
-- indexes, constraints, policies and triggers whose expressions hold one of its values,
-- functions whose arguments or result use it, and views that read a column of the type
-- or hold one of its values; then, through any chain of functions and views, whatever
-- calls such a function (a policy calling `has_role(id)` with the enum argument defaulted,
-- a view, a CHECK, a trigger's WHEN, another function) or reads such a view: each can
-- only be dropped after them. Columns and direct defaults are left out: migra re-casts and re-adds those itself.
WITH RECURSIVE target AS (
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
    UNION
    -- ... or on a function or view found so far (pg_depend records calls in SQL-standard
    -- bodies, argument defaults, policies, views, CHECKs and index expressions, not
    -- plpgsql; a view reading another view depends on that view's relation).
    SELECT d.classid, d.objid, d.objsubid FROM deps f
    LEFT JOIN pg_rewrite rw ON f.classid = 'pg_rewrite'::regclass AND rw.oid = f.objid
    JOIN pg_depend d ON d.deptype = 'n' AND (
        (f.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_proc'::regclass
         AND d.refobjid = f.objid)
        OR (rw.oid IS NOT NULL AND d.refclassid = 'pg_class'::regclass
            AND d.refobjid = rw.ev_class
            AND NOT (d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid)))
)
SELECT 'function' AS kind, n.nspname AS schema,
       pg_get_function_identity_arguments(f.oid) AS parent, f.proname AS name
FROM deps d JOIN pg_proc f ON d.classid = 'pg_proc'::regclass AND f.oid = d.objid
JOIN pg_namespace n ON n.oid = f.pronamespace
