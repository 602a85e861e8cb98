-- Publication membership of managed tables (with column lists and row filters), and
-- whole managed schemas added to a publication. Needs Postgres 15+.
SELECT
    p.pubname AS publication,
    n.nspname AS schema,
    c.relname AS table_name,
    (SELECT json_agg(a.attname ORDER BY a.attnum)
       FROM pg_attribute a
      WHERE a.attrelid = c.oid AND a.attnum = ANY(pr.prattrs)) AS columns,
    pg_get_expr(pr.prqual, pr.prrelid) AS row_filter
FROM pg_publication_rel pr
JOIN pg_publication p ON p.oid = pr.prpubid
JOIN pg_class c ON c.oid = pr.prrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%(schemas)s)
UNION ALL
SELECT p.pubname, n.nspname, NULL, NULL, NULL
FROM pg_publication_namespace pn
JOIN pg_publication p ON p.oid = pn.pnpubid
JOIN pg_namespace n ON n.oid = pn.pnnspid
WHERE n.nspname = ANY(%(schemas)s)
ORDER BY 1, 2, 3 NULLS FIRST;
