-- 75_default_privileges_current.sql: today's default privileges in schema public: new
-- tables, sequences and functions are no longer exposed to the API roles (applied after
-- 70_default_privileges.sql, the legacy grants, as the platform did to existing projects).
--
-- What changed (changelog https://supabase.com/changelog/45329-breaking-change-tables-not-exposed-to-data-and-graphql-api-automatically,
-- 2026-04-28; opt-in at project creation from 2026-04-28, announced as default for new projects
-- from 2026-05-30 and for all projects on 2026-10-30): the project keeps the legacy default
-- grants and then has these REVOKEd for role postgres only, in schema public only:
--   tables:    SELECT, INSERT, UPDATE, DELETE            (TRUNCATE, REFERENCES, TRIGGER and,
--                                                         on PG17+, MAINTAIN stay granted)
--   sequences: USAGE, SELECT                             (UPDATE stays granted)
--   functions: EXECUTE                                   (PUBLIC's built-in EXECUTE is untouched,
--                                                         so anon can still call new functions)
-- from anon, authenticated, service_role. postgres' own entries and all supabase_admin entries
-- are unchanged (supabase/supabase PR #47952: the supabase_admin ones are intentional).
-- Sources: supabase/cli apps/cli-go/internal/db/start/start.go RevokeDefaultDataApiPrivilegesSql
-- (PR #5239: "mirrors exactly what Studio runs at cloud project creation when the toggle is off");
-- supabase/supabase PR #43704 / #45683 (Studio revoke at project creation, later the
-- data_api_revoke_default_privileges API field); supabase/cli PR #5524 (CLI default flipped to
-- revoke, v2.106.0) and PR #6337 (2026-08-26: flipped back to auto-expose because "the platform
-- never adopted revoke-by-default"). Which of the two files matches "today" is therefore an
-- open question (see facts.md); we follow the changelog, which applies it to all projects
-- from 2026-10-30. Statements are our own. Idempotent.

-- 2. the revokes of the "Default privileges for new entities: off" setting:
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    REVOKE USAGE, SELECT ON SEQUENCES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    REVOKE EXECUTE ON FUNCTIONS FROM anon, authenticated, service_role;
