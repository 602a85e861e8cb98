-- 55_supabase_functions.sql: Database Webhooks (schema supabase_functions).  OPTIONAL.
--
-- NOT on a fresh platform project: it appears once "Database Webhooks" are enabled (Studio),
-- but the CLI local stack (`supabase start`) always creates it, and migration histories made
-- with `db diff`/`db pull` against such databases contain triggers calling
-- supabase_functions.http_request(...). Facts from (statements are our own):
--   supabase/cli apps/cli-go/internal/db/start/templates/webhook.sql
--   supabase/postgres migrations/db/migrations/20240822021428_enable_webhooks_by_default.sql
-- pg_net (net.http_get/net.http_post) is NOT modelled: http_request() is PL/pgSQL, so it is
-- created fine and only fails when a trigger actually fires (as it would without pg_net).

DO $whk$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'supabase_functions') THEN
        CREATE SCHEMA supabase_functions AUTHORIZATION supabase_admin;
        GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role;
        GRANT ALL ON SCHEMA supabase_functions TO supabase_functions_admin;
        ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
            GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
            GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA supabase_functions
            GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
    END IF;

    IF to_regclass('supabase_functions.migrations') IS NULL THEN
        CREATE TABLE supabase_functions.migrations (
            version     text PRIMARY KEY,
            inserted_at timestamptz NOT NULL DEFAULT now()
        );
        INSERT INTO supabase_functions.migrations (version) VALUES ('initial');
        ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
    END IF;

    IF to_regclass('supabase_functions.hooks') IS NULL THEN
        CREATE TABLE supabase_functions.hooks (
            id            bigserial PRIMARY KEY,
            hook_table_id integer NOT NULL,
            hook_name     text NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            request_id    bigint
        );
        CREATE INDEX supabase_functions_hooks_request_id_idx ON supabase_functions.hooks (request_id);
        CREATE INDEX supabase_functions_hooks_h_table_id_h_name_idx
            ON supabase_functions.hooks (hook_table_id, hook_name);
        COMMENT ON TABLE supabase_functions.hooks IS 'Supabase Functions Hooks: Audit trail for triggered hooks.';
        ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
    END IF;

    IF to_regprocedure('supabase_functions.http_request()') IS NULL THEN
        -- Trigger function: TG_ARGV = (url, method, headers json, params json, timeout_ms).
        CREATE FUNCTION supabase_functions.http_request() RETURNS trigger
        LANGUAGE plpgsql
        SECURITY DEFINER
        SET search_path = supabase_functions
        AS $b$
        DECLARE
            request_id bigint;
            url text := TG_ARGV[0];
            method text := TG_ARGV[1];
            headers jsonb := CASE WHEN TG_ARGV[2] IS NULL OR TG_ARGV[2] = 'null'
                                  THEN '{"Content-Type": "application/json"}'::jsonb
                                  ELSE TG_ARGV[2]::jsonb END;
            params jsonb := CASE WHEN TG_ARGV[3] IS NULL OR TG_ARGV[3] = 'null'
                                 THEN '{}'::jsonb ELSE TG_ARGV[3]::jsonb END;
            timeout_ms integer := CASE WHEN TG_ARGV[4] IS NULL OR TG_ARGV[4] = 'null'
                                       THEN 1000 ELSE TG_ARGV[4]::integer END;
        BEGIN
            IF url IS NULL OR url = 'null' THEN
                RAISE EXCEPTION 'url argument is missing';
            END IF;
            IF method = 'GET' THEN
                SELECT net.http_get(url, params, headers, timeout_ms) INTO request_id;
            ELSIF method = 'POST' THEN
                SELECT net.http_post(url,
                           jsonb_build_object('old_record', OLD, 'record', NEW, 'type', TG_OP,
                                              'table', TG_TABLE_NAME, 'schema', TG_TABLE_SCHEMA),
                           params, headers, timeout_ms)
                  INTO request_id;
            ELSE
                RAISE EXCEPTION 'method argument % is invalid', method;
            END IF;
            INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
            VALUES (TG_RELID, TG_NAME, request_id);
            RETURN NEW;
        END
        $b$;
        ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
        REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION supabase_functions.http_request()
            TO postgres, anon, authenticated, service_role;
    END IF;
END
$whk$;
