-- Text search dictionaries of the managed schemas: template and options.
SELECT
    n.nspname AS schema,
    d.dictname AS name,
    pg_get_userbyid(d.dictowner) AS owner,
    quote_ident(tn.nspname) || '.' || quote_ident(t.tmplname) AS template,
    d.dictinitoption AS options,
    obj_description(d.oid, 'pg_ts_dict') AS comment
FROM pg_ts_dict d
JOIN pg_namespace n ON n.oid = d.dictnamespace
JOIN pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_ts_dict'::regclass AND e.objid = d.oid
                     AND e.deptype = 'e')
ORDER BY 1, 2;
