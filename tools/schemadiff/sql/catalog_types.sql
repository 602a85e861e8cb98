-- Enums, composite and range types of the managed schemas (not the row types and array
-- types Postgres makes by itself; domains are in catalog_domains.sql).
SELECT
    n.nspname AS schema,
    t.typname AS name,
    t.typtype::text AS typtype,
    pg_get_userbyid(t.typowner) AS owner,
    CASE t.typtype
        WHEN 'e' THEN (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)::text
                         FROM pg_enum e WHERE e.enumtypid = t.oid)
        WHEN 'c' THEN (SELECT string_agg(quote_ident(a.attname) || ' '
                                         || format_type(a.atttypid, a.atttypmod), ', '
                                         ORDER BY a.attnum)
                         FROM pg_attribute a
                        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
        -- A range as CREATE TYPE ... AS RANGE writes it (every option spelled out).
        WHEN 'r' THEN (SELECT concat_ws(', ',
                    'SUBTYPE = ' || format_type(r.rngsubtype, NULL),
                    'SUBTYPE_OPCLASS = ' || quote_ident(opn.nspname) || '.'
                                         || quote_ident(opc.opcname),
                    CASE WHEN r.rngcollation <> 0 THEN 'COLLATION = '
                         || (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                               FROM pg_collation co
                               JOIN pg_namespace cn ON cn.oid = co.collnamespace
                              WHERE co.oid = r.rngcollation) END,
                    CASE WHEN r.rngcanonical <> 0
                         THEN 'CANONICAL = ' || r.rngcanonical::regproc::text END,
                    CASE WHEN r.rngsubdiff <> 0
                         THEN 'SUBTYPE_DIFF = ' || r.rngsubdiff::regproc::text END,
                    'MULTIRANGE_TYPE_NAME = ' || r.rngmultitypid::regtype::text)
                         FROM pg_range r
                         JOIN pg_opclass opc ON opc.oid = r.rngsubopc
                         JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
                        WHERE r.rngtypid = t.oid)
    END AS definition,
    obj_description(t.oid, 'pg_type') AS comment,
    (SELECT json_agg(json_build_array(
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
                a.privilege_type, a.is_grantable))
       FROM aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) a) AS acl
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = ANY(%(schemas)s)
  AND t.typtype IN ('e', 'c', 'r')
  AND (t.typtype <> 'c' OR c.relkind = 'c')
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.deptype = 'e')
ORDER BY 1, 2;
