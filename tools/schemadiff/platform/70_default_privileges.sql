-- 70_default_privileges_legacy.sql: default privileges in schema public with the Data API
-- auto-exposure ("Default privileges for new entities" ON).
--
-- This is what every project created before 2026-05-30 has, and (surprisingly) what a fresh
-- platform project still had on 2026-08-26: supabase/cli PR #6337 ("default
-- auto_expose_new_tables to true to match platform") inspected a brand-new PG 17.6.1.165
-- project and found pg_default_acl for postgres in public still granting anon/authenticated/
-- service_role arwdDxtm on tables, rwU on sequences, X on functions. See facts.md.
-- Facts from (statements are our own):
--   supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql
--   supabase/postgres nix/tests/expected/default_privs.out, roles.out, z_17_roles.out (MAINTAIN on 17)
--   supabase/cli apps/cli-go/internal/db/start/start.go (ApplyApiPrivileges: flag unset/true = keep)
-- Both grantors matter: objects created by postgres (migrations) and by supabase_admin
-- (extensions installed from Studio, e.g. vector's functions in public).
-- GRANT ALL on PG17+ includes MAINTAIN, as on the platform. Idempotent.

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;

ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
