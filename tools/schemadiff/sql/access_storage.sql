-- storage.objects, the table whose policies decide who reads and writes the files of
-- every bucket, when the platform has Supabase Storage (no row otherwise).
SELECT c.oid::int8 AS oid,
       pg_get_userbyid(c.relowner) AS owner,
       c.relrowsecurity AS rls,
       c.relforcerowsecurity AS rls_forced
FROM pg_class c
WHERE c.oid = to_regclass('storage.objects')
  AND to_regclass('storage.buckets') IS NOT NULL;
