-- Indexes made redundant by another index on the same table: their key columns (with
-- the same operator classes and orderings) are a leading prefix of the other's, so the
-- other serves every lookup they serve. Not redundant: a unique index that enforces
-- something the other does not (a longer key, or a non-unique one), a primary key,
-- partial and expression indexes (their coverage cannot be compared column by column).
-- Of two identical indexes, the one that backs no constraint (else the newer) is reported.
WITH idx AS (
    SELECT x.indexrelid,
           x.indrelid,
           n.nspname AS schema,
           t.relname AS table_name,
           c.relname AS index_name,
           x.indisunique AS is_unique,
           x.indisprimary AS is_primary,
           (string_to_array(x.indkey::text, ' ')::int2[])[1:x.indnkeyatts] AS keys,
           (string_to_array(x.indclass::text, ' ')::oid[])[1:x.indnkeyatts] AS opclasses,
           (string_to_array(x.indoption::text, ' ')::int2[])[1:x.indnkeyatts] AS options,
           con.conname AS constraint_name
    FROM pg_index x
    JOIN pg_class c ON c.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    JOIN pg_am am ON am.oid = c.relam
    LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x')
    WHERE am.amname = 'btree'
      AND x.indisvalid
      AND x.indpred IS NULL
      AND x.indexprs IS NULL
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
)
SELECT a.schema,
       a.table_name,
       a.index_name,
       a.constraint_name,
       b.index_name AS covering_index,
       b.constraint_name AS covering_constraint
FROM idx a
JOIN idx b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
WHERE NOT a.is_primary
  AND cardinality(a.keys) <= cardinality(b.keys)
  AND b.keys[1:cardinality(a.keys)] = a.keys
  AND b.opclasses[1:cardinality(a.keys)] = a.opclasses
  AND b.options[1:cardinality(a.keys)] = a.options
  AND (NOT a.is_unique OR (b.is_unique AND cardinality(a.keys) = cardinality(b.keys)))
  AND (cardinality(a.keys) < cardinality(b.keys)
       OR (b.is_unique AND NOT a.is_unique)
       OR (a.is_unique = b.is_unique
           AND a.constraint_name IS NULL AND b.constraint_name IS NOT NULL)
       OR (a.is_unique = b.is_unique
           AND (a.constraint_name IS NULL) = (b.constraint_name IS NULL)
           AND a.indexrelid > b.indexrelid))
ORDER BY 1, 2, 3, 5;
