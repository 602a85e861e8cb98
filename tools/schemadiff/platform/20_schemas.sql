-- 20_schemas.sql: the platform schemas, their owners and grants, and the search_path of
-- the roles 10_roles.sql created.
--
-- Facts from (our own statements; see facts.md):
--   * supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql
--     (extensions schema; USAGE on public and extensions to the API roles)
--   * supabase/postgres migrations/db/init-scripts/00000000000001-auth-schema.sql,
--     00000000000002-storage-schema.sql, 00000000000003-post-setup.sql,
--     00000000000003-realtime-schema.sql (owners supabase_admin; role search_paths)
--   * supabase/postgres migrations/db/migrations/20220317095840_pg_graphql.sql (graphql_public
--     and its placeholder graphql_public.graphql()), 20260421000000_pg_graphql-off-by-default.sql,
--     20250421084701_revoke_admin_roles_from_postgres.sql (no CREATE on auth/storage/realtime for
--     postgres), 20250709135250_grant_storage_schema_to_postgres_with_grant_option.sql,
--     20260506172403_grant_realtime_schema_to_postgres_with_grant_option.sql,
--     20251121132723_correct_search_path_pgbouncer.sql (pgbouncer.get_auth)
--   * supabase/postgres ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql
--   * schema ACL sections of pg_dumps of live Supabase projects found in public code
--     (facts.md "Sources").
--
-- Only missing schemas are created; grants are (re)applied, which is idempotent. The schema
-- owner is set only when this file created the schema.

DO $schemas$
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT * FROM (VALUES
            ('extensions',     'postgres'),
            ('auth',           'supabase_admin'),
            ('storage',        'supabase_admin'),
            ('realtime',       'supabase_admin'),
            ('vault',          'supabase_admin'),
            ('graphql',        'supabase_admin'),
            ('graphql_public', 'supabase_admin'),
            ('pgbouncer',      'pgbouncer')
        ) AS v(name, owner)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = s.name) THEN
            EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', s.name, s.owner);
        END IF;
    END LOOP;
END
$schemas$;

-- public: owned by pg_database_owner (PG15+ default, as on the platform).
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;

GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
GRANT ALL   ON SCHEMA extensions TO dashboard_user;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, postgres;
GRANT ALL   ON SCHEMA auth TO supabase_auth_admin, dashboard_user;

GRANT USAGE ON SCHEMA storage TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL   ON SCHEMA storage TO supabase_storage_admin WITH GRANT OPTION;
GRANT ALL   ON SCHEMA storage TO dashboard_user;

GRANT USAGE ON SCHEMA realtime TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA realtime TO anon, authenticated, service_role;
GRANT ALL   ON SCHEMA realtime TO supabase_realtime_admin;

GRANT USAGE ON SCHEMA vault TO postgres WITH GRANT OPTION;
GRANT USAGE ON SCHEMA vault TO service_role;

-- graphql / graphql_public: pg_graphql is no longer enabled on new projects (from 2026-05-18,
-- supabase/postgres 20260421000000_pg_graphql-off-by-default.sql); the schemas and the
-- graphql_public.graphql() placeholder stay.
GRANT USAGE ON SCHEMA graphql        TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA graphql_public TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA graphql, graphql_public TO postgres WITH GRANT OPTION;

-- Placeholder the platform keeps in graphql_public while pg_graphql is not installed
-- (same signature; our own body).
DO $gql$
BEGIN
    IF to_regprocedure('graphql_public.graphql(text, text, jsonb, jsonb)') IS NULL THEN
        CREATE FUNCTION graphql_public.graphql(
            "operationName" text DEFAULT NULL,
            query text DEFAULT NULL,
            variables jsonb DEFAULT NULL,
            extensions jsonb DEFAULT NULL)
        RETURNS jsonb
        LANGUAGE sql
        AS $body$
            SELECT jsonb_build_object('errors', jsonb_build_array(
                       jsonb_build_object('message', 'pg_graphql extension is not enabled.')))
        $body$;
        ALTER FUNCTION graphql_public.graphql(text, text, jsonb, jsonb) OWNER TO supabase_admin;
        GRANT ALL ON FUNCTION graphql_public.graphql(text, text, jsonb, jsonb)
            TO postgres, anon, authenticated, service_role;
    END IF;
END
$gql$;

-- pgbouncer.get_auth: the pooler's auth_query (SECURITY DEFINER, reads pg_authid, owned by
-- supabase_admin, executable only by pgbouncer). Created only when missing and only when
-- the loader can make a superuser-owned function (it is superuser-only by nature).
DO $pgb$
BEGIN
    IF to_regprocedure('pgbouncer.get_auth(text)') IS NULL
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        CREATE FUNCTION pgbouncer.get_auth(p_usename text)
        RETURNS TABLE (username text, password text)
        LANGUAGE sql
        SECURITY DEFINER
        SET search_path = ''
        AS $body$
            SELECT a.rolname::text,
                   CASE WHEN a.rolvaliduntil < now() THEN NULL ELSE a.rolpassword::text END
            FROM pg_catalog.pg_authid a
            WHERE a.rolname = p_usename AND a.rolcanlogin
        $body$;
        ALTER FUNCTION pgbouncer.get_auth(text) OWNER TO supabase_admin;
        REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer;
    END IF;
END
$pgb$;

-- search_path of the roles 10_roles.sql created (never of pre-existing roles).
-- The platform's postgres role has search_path "\$user", public, extensions (sic: a literal
-- backslash, from the init script's quoting), but postgres is pre-existing here: untouched.
DO $paths$
DECLARE
    p record;
BEGIN
    FOR p IN
        SELECT * FROM (VALUES
            ('supabase_admin',           '"$user", public, auth, extensions'),
            ('supabase_auth_admin',      'auth'),
            ('supabase_storage_admin',   'storage'),
            ('supabase_functions_admin', 'supabase_functions')
        ) AS v(role_name, path)
    LOOP
        IF shobj_description((SELECT oid FROM pg_roles WHERE rolname = p.role_name), 'pg_authid')
               = 'schemadiff platform shim'
           AND NOT EXISTS (
               SELECT FROM pg_db_role_setting d
               WHERE d.setrole = (SELECT oid FROM pg_roles WHERE rolname = p.role_name)
                 AND d.setdatabase = 0
                 AND EXISTS (SELECT FROM unnest(d.setconfig) c WHERE c LIKE 'search_path=%'))
        THEN
            EXECUTE format('ALTER ROLE %I SET search_path = %s', p.role_name, p.path);
        END IF;
    END LOOP;
END
$paths$;
