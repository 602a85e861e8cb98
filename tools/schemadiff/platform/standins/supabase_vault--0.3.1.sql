-- schemadiff stand-in for supabase_vault: the vault objects apps use are part of the
-- platform model (platform/60_vault.sql), as they are on every Supabase project, so
-- `create extension if not exists supabase_vault` has nothing more to create.
SELECT 1;
