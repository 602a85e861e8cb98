-- Text search configurations of the managed schemas: parser, and per token type the
-- dictionaries in the order they are consulted.
SELECT
    n.nspname AS schema,
    c.cfgname AS name,
    pg_get_userbyid(c.cfgowner) AS owner,
    quote_ident(pn.nspname) || '.' || quote_ident(p.prsname) AS parser,
    (SELECT coalesce(json_agg(json_build_array(tt.alias, m.dicts) ORDER BY tt.alias), '[]')
       FROM (SELECT maptokentype,
                    json_agg(quote_ident(dn.nspname) || '.' || quote_ident(d.dictname)
                             ORDER BY mapseqno) AS dicts
               FROM pg_ts_config_map
               JOIN pg_ts_dict d ON d.oid = mapdict
               JOIN pg_namespace dn ON dn.oid = d.dictnamespace
              WHERE mapcfg = c.oid
              GROUP BY maptokentype) m
       JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype) AS mappings,
    obj_description(c.oid, 'pg_ts_config') AS comment
FROM pg_ts_config c
JOIN pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_namespace pn ON pn.oid = p.prsnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_ts_config'::regclass AND e.objid = c.oid
                     AND e.deptype = 'e')
ORDER BY 1, 2;
