-- Columns of the managed relations. attnum is returned only to report column order
-- apart: ADD COLUMN always appends, so order is a note, never a difference.
SELECT
    n.nspname AS schema,
    c.relname AS table_name,
    a.attname AS name,
    a.attnum AS position,
    format_type(a.atttypid, a.atttypmod) AS type,
    a.attnotnull AS not_null,
    -- Postgres 18 keeps a column's NOT NULL as a constraint that may be NOT VALID (attnotnull
    -- is true all the same) or NO INHERIT; older servers have no row here.
    (SELECT concat_ws(' ', CASE WHEN NOT nn.convalidated THEN 'not valid' END,
                      CASE WHEN nn.connoinherit THEN 'no inherit' END)
       FROM pg_constraint nn
      WHERE nn.conrelid = c.oid AND nn.contype = 'n' AND nn.conkey = ARRAY[a.attnum]
      LIMIT 1) AS not_null_options,
    pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
    a.attidentity::text AS identity,
    a.attgenerated::text AS generated,
    -- Only a collation that differs from the type's default is part of the definition.
    CASE WHEN a.attcollation <> t.typcollation THEN
        (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
           FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = a.attcollation) END AS collation,
    -- NULL for a partition's identity column (Postgres 17+): it draws from its partitioned
    -- table's sequence and has none of its own.
    CASE WHEN a.attidentity <> '' THEN
        (SELECT json_build_array(format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                                 s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
           FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid
          WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
            AND d.refobjid = c.oid AND d.refobjsubid = a.attnum AND d.deptype = 'i'
          LIMIT 1) END AS identity_sequence,
    -- An inheritance child's column that comes from a parent: whether the child declares
    -- it too (attislocal; it then survives the parent dropping it, and pg_dump lists it in
    -- the child's CREATE TABLE). Not for partitions, whose columns all come from the
    -- parent, however they were made (CREATE ... PARTITION OF or ATTACH).
    CASE WHEN a.attinhcount > 0 AND NOT c.relispartition THEN a.attislocal END AS inherited_local,
    c.relkind::text AS relkind,
    c.relispartition AS is_partition,
    col_description(c.oid, a.attnum) AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                x.privilege_type, x.is_grantable))
       FROM aclexplode(a.attacl) x) AS acl
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE n.nspname = ANY(%(schemas)s)
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
ORDER BY 1, 2, a.attnum;
