-- Storage buckets (rows of storage.buckets, when the platform has them) and
-- storage.objects, the table whose policies decide who reads and writes their files.
SELECT b.id, b.public, 'storage.objects'::regclass::oid::int8 AS objects_oid
FROM storage.buckets b
ORDER BY b.id;
