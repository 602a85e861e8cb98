-- Columns of every ordinary or partitioned table in the given schemas (partitions are
-- filled through their parent), for generating rehearsal rows. A domain is described by
-- its base type, an enum by its labels; `is_unique`: the column is in a primary key or
-- unique index, so sample rows must differ in it.
SELECT n.nspname AS schema,
       c.relname AS name,
       a.attname AS column,
       format_type(a.atttypid, a.atttypmod) AS type,
       bt.typname AS base,
       bt.typcategory AS category,
       CASE WHEN bt.typtype = 'e' THEN ARRAY(
           SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid
            ORDER BY e.enumsortorder) END AS labels,
       a.attnotnull OR t.typnotnull AS not_null,
       a.atthasdef OR t.typdefault IS NOT NULL AS has_default,
       a.attidentity <> '' OR a.attgenerated <> ''
           OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%', false) AS automatic,
       a.attgenerated <> '' AS generated,
       EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique
                  AND a.attnum = ANY (i.indkey)) AS is_unique
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  -- a domain's base type (one level of domain over domain is enough for samples)
  JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname = ANY (%(schemas)s)
 ORDER BY n.nspname, c.relname, a.attnum;
