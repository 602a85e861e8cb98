-- Tables, views, materialized views, sequences and foreign tables of the managed schemas.
-- Identity sequences are left out: they belong to their column (catalog_columns.sql).
-- ACLs are exploded with acldefault() filled in, so "never granted" and "granted the
-- defaults" compare equal; grantors are dropped (they differ by who ran the GRANT).
SELECT
    n.nspname AS schema,
    c.relname AS name,
    c.relkind::text AS relkind,
    pg_get_userbyid(c.relowner) AS owner,
    c.relpersistence::text AS persistence,
    c.relrowsecurity AS rls_enabled,
    c.relforcerowsecurity AS rls_forced,
    coalesce(c.reloptions, '{}') AS options,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
    (SELECT coalesce(json_agg(json_build_array(pn.nspname, p.relname) ORDER BY i.inhseqno), '[]')
       FROM pg_inherits i
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE i.inhrelid = c.oid) AS parents,
    -- Relations a view reads: migra recreates a view when one of them changes.
    (SELECT coalesce(json_agg(DISTINCT jsonb_build_array(rn.nspname, r.relname)), '[]')
       FROM pg_rewrite rw
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
       JOIN pg_class r ON r.oid = d.refobjid
       JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE rw.ev_class = c.oid) AS reads,
    -- Routines a view calls: re-created with a type one of them uses.
    (SELECT coalesce(json_agg(DISTINCT jsonb_build_array(
                fn.nspname, f.proname, pg_get_function_identity_arguments(f.oid), f.prokind)),
            '[]')
       FROM pg_rewrite rw
       JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                       AND d.refclassid = 'pg_proc'::regclass
       JOIN pg_proc f ON f.oid = d.refobjid
       JOIN pg_namespace fn ON fn.oid = f.pronamespace
      WHERE rw.ev_class = c.oid) AS calls,
    obj_description(c.oid, 'pg_class') AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(coalesce(c.relacl, acldefault(
                CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a) AS acl,
    format_type(s.seqtypid, NULL) AS seq_type,
    s.seqstart AS seq_start,
    s.seqincrement AS seq_increment,
    s.seqmin AS seq_min,
    s.seqmax AS seq_max,
    s.seqcache AS seq_cache,
    s.seqcycle AS seq_cycle,
    owned.table_schema AS owned_by_schema,
    owned.table_name AS owned_by_table,
    owned.column_name AS owned_by_column
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN LATERAL (
    SELECT tn.nspname AS table_schema, t.relname AS table_name, att.attname AS column_name,
           d.deptype
      FROM pg_depend d
      JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute att ON att.attrelid = d.refobjid AND att.attnum = d.refobjsubid
     WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
) owned ON true
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND owned.deptype IS DISTINCT FROM 'i'
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2;
