-- 50_realtime.sql: realtime objects apps reference (Supabase Realtime), and the empty
-- supabase_realtime publication.
--
-- Facts from (statements are our own):
--   supabase/realtime lib/realtime/tenants/repo/migrations/ (HEAD of 2026-08-21, 833cf36c3a36):
--     20240523004032_redefine_authorization_tables.ex (messages, RLS, grants, realtime.topic()),
--     20240919163303_add_payload_to_messages.ex (payload/event/private, send(), broadcast_changes()),
--     20241030150047_messages_partitioning.ex (PARTITION BY RANGE (inserted_at)),
--     20241108114728_messages_using_uuid.ex (id uuid, PK (id, inserted_at)),
--     20250905041441_create_messages_replay_index.ex,
--     20260514120000_add_binary_payload_to_messages.ex (binary_payload, messages_payload_exclusive),
--     20260603120000_add_send_binary_function.ex, 20260605120000_rename_broadcast_send_warning.ex
--     (current send() body), 20260707120000_restrict_realtime_schema.ex (owners -> supabase_realtime_admin)
--   supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql
--     (create publication supabase_realtime, empty)
--   ACL section of a live PG 17.6 project's pg_dump (facts.md "Sources").
-- Not modelled: realtime.subscription, realtime.schema_migrations and the postgres_changes
-- (WALRUS) functions/types, the daily messages_YYYY_MM_DD partitions (the Realtime server
-- creates them), supabase_realtime_messages_publication (created by the Realtime server).

DO $tables$
BEGIN
    IF to_regclass('realtime.messages') IS NULL THEN
        CREATE TABLE realtime.messages (
            topic          text NOT NULL,
            extension      text NOT NULL,
            payload        jsonb,
            event          text,
            private        boolean DEFAULT false,
            updated_at     timestamp NOT NULL DEFAULT now(),
            inserted_at    timestamp NOT NULL DEFAULT now(),
            id             uuid NOT NULL DEFAULT gen_random_uuid(),
            binary_payload bytea,
            CONSTRAINT messages_pkey PRIMARY KEY (id, inserted_at)
        ) PARTITION BY RANGE (inserted_at);
        ALTER TABLE realtime.messages
            ADD CONSTRAINT messages_payload_exclusive
            CHECK (payload IS NULL OR binary_payload IS NULL) NOT VALID;
        CREATE INDEX messages_inserted_at_topic_index ON realtime.messages (inserted_at DESC, topic)
            WHERE extension = 'broadcast' AND private IS TRUE;
        ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
        ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
        GRANT SELECT, INSERT, UPDATE ON realtime.messages TO anon, authenticated, service_role;
        GRANT ALL ON realtime.messages TO postgres, dashboard_user;
    END IF;
END
$tables$;

DO $funcs$
BEGIN
    -- The channel topic of the current Realtime authorization check (policies on
    -- realtime.messages use it). EXECUTE stays with PUBLIC.
    IF to_regprocedure('realtime.topic()') IS NULL THEN
        CREATE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE AS $b$
            SELECT nullif(current_setting('realtime.topic', true), '')::text
        $b$;
        ALTER FUNCTION realtime.topic() OWNER TO supabase_realtime_admin;
        GRANT ALL ON FUNCTION realtime.topic() TO postgres, dashboard_user;
    END IF;

    -- Broadcast from the database: inserts a 'broadcast' row; errors (e.g. no partition for
    -- today, as in this shim) become a WARNING, like on the platform.
    IF to_regprocedure('realtime.send(jsonb, text, text, boolean)') IS NULL THEN
        CREATE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
        RETURNS void LANGUAGE plpgsql AS $b$
        DECLARE
            new_id uuid := gen_random_uuid();
        BEGIN
            BEGIN
                PERFORM set_config('realtime.topic', topic, true);
                INSERT INTO realtime.messages (id, payload, event, topic, private, extension)
                VALUES (new_id,
                        CASE WHEN payload ? 'id' THEN payload
                             ELSE jsonb_set(payload, '{id}', to_jsonb(new_id)) END,
                        event, topic, private, 'broadcast');
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
            END;
        END
        $b$;
        ALTER FUNCTION realtime.send(jsonb, text, text, boolean) OWNER TO supabase_realtime_admin;
        GRANT ALL ON FUNCTION realtime.send(jsonb, text, text, boolean) TO postgres, dashboard_user;
    END IF;

    IF to_regprocedure('realtime.send_binary(bytea, text, text, boolean)') IS NULL THEN
        CREATE FUNCTION realtime.send_binary(payload bytea, event text, topic text, private boolean DEFAULT true)
        RETURNS void LANGUAGE plpgsql AS $b$
        BEGIN
            BEGIN
                PERFORM set_config('realtime.topic', topic, true);
                INSERT INTO realtime.messages (id, binary_payload, event, topic, private, extension)
                VALUES (gen_random_uuid(), payload, event, topic, private, 'broadcast');
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'WarnSendingBroadcastMessage: %', SQLERRM;
            END;
        END
        $b$;
        ALTER FUNCTION realtime.send_binary(bytea, text, text, boolean) OWNER TO supabase_realtime_admin;
        GRANT ALL ON FUNCTION realtime.send_binary(bytea, text, text, boolean) TO postgres, dashboard_user;
    END IF;

    -- Trigger helper: broadcast a row change (call from a FOR EACH ROW trigger function).
    IF to_regprocedure('realtime.broadcast_changes(text, text, text, text, text, record, record, text)') IS NULL THEN
        CREATE FUNCTION realtime.broadcast_changes(
            topic_name text, event_name text, operation text, table_name text,
            table_schema text, new record, old record, level text DEFAULT 'ROW')
        RETURNS void LANGUAGE plpgsql AS $b$
        BEGIN
            IF level = 'STATEMENT' THEN
                RAISE EXCEPTION 'function can only be triggered for each row, not for each statement';
            END IF;
            IF operation NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
                RAISE EXCEPTION 'Unexpected operation type: %', operation;
            END IF;
            PERFORM realtime.send(
                jsonb_build_object('old_record', old, 'record', new, 'operation', operation,
                                   'table', table_name, 'schema', table_schema),
                event_name, topic_name);
        END
        $b$;
        ALTER FUNCTION realtime.broadcast_changes(text, text, text, text, text, record, record, text)
            OWNER TO supabase_realtime_admin;
        GRANT ALL ON FUNCTION realtime.broadcast_changes(text, text, text, text, text, record, record, text)
            TO postgres, dashboard_user;
    END IF;
END
$funcs$;

-- Later realtime objects of supabase_admin are postgres'/Studio's too
-- (supabase/postgres 20211130151719_update-realtime-permissions.sql). Idempotent.
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA realtime
    GRANT ALL ON TABLES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA realtime
    GRANT ALL ON SEQUENCES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA realtime
    GRANT ALL ON FUNCTIONS TO postgres, dashboard_user;

-- Projects add their tables to this publication (empty at project creation; owner postgres).
DO $pub$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
        CREATE PUBLICATION supabase_realtime;
        IF current_user <> 'postgres' AND EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN
            ALTER PUBLICATION supabase_realtime OWNER TO postgres;
        END IF;
    END IF;
END
$pub$;
