-- Collations (CREATE COLLATION) of the managed schemas, as the option list of the CREATE
-- COLLATION that makes them again: provider, locale(s), deterministic, ICU rules.
-- Not compared: collencoding (a collation made FROM "POSIX" has -1, the same one made
-- with LOCALE = 'POSIX' the database's encoding: no difference inside one database, and
-- no DDL sets it) and collversion (the C or ICU library's version, a property of the
-- server). Columns that differ between Postgres majors (colliculocale in 15-16,
-- colllocale since 17, collicurules since 16) are read through to_jsonb.
SELECT
    n.nspname AS schema,
    c.collname AS name,
    pg_get_userbyid(c.collowner) AS owner,
    obj_description(c.oid, 'pg_collation') AS comment,
    concat_ws(', ',
        'provider = ' || CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin'
                                            ELSE 'libc' END,
        CASE WHEN c.collprovider = 'c' AND c.collcollate IS DISTINCT FROM c.collctype THEN
                 'lc_collate = ' || quote_literal(c.collcollate)
                 || ', lc_ctype = ' || quote_literal(c.collctype)
             WHEN c.collprovider = 'c' THEN 'locale = ' || quote_literal(c.collcollate)
             ELSE 'locale = ' || quote_literal(coalesce(j.row ->> 'colllocale',
                                                        j.row ->> 'colliculocale')) END,
        CASE WHEN j.row ->> 'collicurules' IS NOT NULL THEN
            'rules = ' || quote_literal(j.row ->> 'collicurules') END,
        CASE WHEN NOT c.collisdeterministic THEN 'deterministic = false' END
    ) AS definition
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
CROSS JOIN LATERAL (SELECT to_jsonb(c) AS row) j
WHERE n.nspname = ANY(%(schemas)s)
  AND c.oid >= 16384
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_collation'::regclass AND e.objid = c.oid
                     AND e.deptype = 'e')
ORDER BY 1, 2;
