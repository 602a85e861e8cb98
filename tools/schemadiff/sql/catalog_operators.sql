-- Operators of the managed schemas (not shells, which only a COMMUTATOR or NEGATOR names),
-- with their options as CREATE OPERATOR writes them.
SELECT
    n.nspname AS schema,
    o.oprname AS name,
    CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END AS left_type,
    format_type(o.oprright, NULL) AS right_type,
    pg_get_userbyid(o.oprowner) AS owner,
    concat_ws(', ',
        CASE WHEN o.oprleft <> 0 THEN 'LEFTARG = ' || format_type(o.oprleft, NULL) END,
        'RIGHTARG = ' || format_type(o.oprright, NULL),
        'FUNCTION = ' || o.oprcode::regproc::text,
        (SELECT 'COMMUTATOR = OPERATOR(' || quote_ident(cn.nspname) || '.' || co.oprname || ')'
           FROM pg_operator co JOIN pg_namespace cn ON cn.oid = co.oprnamespace
          WHERE co.oid = o.oprcom),
        (SELECT 'NEGATOR = OPERATOR(' || quote_ident(nn.nspname) || '.' || ng.oprname || ')'
           FROM pg_operator ng JOIN pg_namespace nn ON nn.oid = ng.oprnamespace
          WHERE ng.oid = o.oprnegate),
        CASE WHEN o.oprrest <> 0 THEN 'RESTRICT = ' || o.oprrest::regproc::text END,
        CASE WHEN o.oprjoin <> 0 THEN 'JOIN = ' || o.oprjoin::regproc::text END,
        CASE WHEN o.oprcanhash THEN 'HASHES' END,
        CASE WHEN o.oprcanmerge THEN 'MERGES' END) AS definition,
    obj_description(o.oid, 'pg_operator') AS comment
FROM pg_operator o
JOIN pg_namespace n ON n.oid = o.oprnamespace
WHERE n.nspname = ANY(%(schemas)s)
  AND o.oprcode <> 0
  AND NOT EXISTS (SELECT FROM pg_depend e
                   WHERE e.classid = 'pg_operator'::regclass AND e.objid = o.oid
                     AND e.deptype = 'e')
ORDER BY 1, 2, 3, 4;
