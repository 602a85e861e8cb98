-- What acldefault() gives an owner and PUBLIC per object type on this server (the list
-- of privileges grows between majors, e.g. MAINTAIN in 17), to predict new objects' ACLs;
-- and who creates objects here (their owner until ALTER ... OWNER TO).
SELECT
    current_user AS creator,
    t.objtype,
    x.grantee = 0 AS to_public,
    x.privilege_type AS privilege
FROM unnest(ARRAY['r', 's', 'f', 'T', 'n']) AS t(objtype)
CROSS JOIN LATERAL aclexplode(acldefault(t.objtype::"char", 10::oid)) x
ORDER BY 1, 2, 3;
