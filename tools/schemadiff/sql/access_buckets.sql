-- Storage buckets (rows of storage.buckets); a public one serves its files by URL.
SELECT b.id, b.public
FROM storage.buckets b
ORDER BY b.id;
