-- 30_auth.sql: the auth schema objects apps reference (Supabase Auth / GoTrue).
--
-- Shapes are those produced by replaying every migration of supabase/auth
-- (migrations/*.up.sql, HEAD of 2026-08-20, commit bc32168e13fd) in order on PG15 and reading
-- the resulting catalog; the statements below are our own. Notable sources:
--   supabase/auth migrations/00_init_auth_schema.up.sql (users, refresh_tokens, instances,
--     audit_log_entries, schema_migrations)
--   .../20210710035447_alter_users.up.sql (phone*, confirmed_at -> email_confirmed_at)
--   .../20210722035447_adds_confirmed_at.up.sql (confirmed_at generated column)
--   .../20210909172000_create_identities_table.up.sql, 20221215195800_add_identities_email_column.up.sql,
--     20231117164230_add_id_pkey_identities.up.sql (identities: id uuid pk, provider_id, email generated)
--   .../20220811173540_add_sessions_table.up.sql and later session migrations
--   .../20221003041349_add_mfa_schema.up.sql and later mfa migrations
--   .../20221215195500_modify_users_email_unique_index.up.sql (is_sso_user, users_email_partial_key)
--   .../20230116124310_alter_phone_type.up.sql, 20230116124412_add_deleted_at.up.sql
--   .../20240214120130_add_is_anonymous_column.up.sql
--   .../20240427152123_add_one_time_tokens_table.up.sql
--   .../20240612123726_enable_rls_update_grants.up.sql (RLS on; SELECT WITH GRANT OPTION to postgres)
-- auth.uid()/role()/email()/jwt() bodies: same claim lookups as supabase/auth's migrations
--   (request.jwt.claim.<x> first, then request.jwt.claims ->> '<x>').
-- Owners/grants: supabase/postgres init-scripts/00000000000001-auth-schema.sql,
--   migrations/20211115181400_update-auth-permissions.sql, 20250421084701_revoke_admin_roles_from_postgres.sql,
--   and the ACL section of a live PG 17.6 project's pg_dump (facts.md "Sources").
--
-- Not modelled (apps do not reference them): flow_state, sso_providers, sso_domains,
-- saml_providers, saml_relay_states, oauth_* tables, webauthn_* tables, custom_oauth_providers.
-- Only missing objects are created; grants are applied only together with the creation.

-- Enum types -------------------------------------------------------------------------------
DO $types$
BEGIN
    IF to_regtype('auth.aal_level') IS NULL THEN
        CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
        ALTER TYPE auth.aal_level OWNER TO supabase_auth_admin;
    END IF;
    IF to_regtype('auth.factor_type') IS NULL THEN
        CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn', 'phone');
        ALTER TYPE auth.factor_type OWNER TO supabase_auth_admin;
    END IF;
    IF to_regtype('auth.factor_status') IS NULL THEN
        CREATE TYPE auth.factor_status AS ENUM ('unverified', 'verified');
        ALTER TYPE auth.factor_status OWNER TO supabase_auth_admin;
    END IF;
    IF to_regtype('auth.code_challenge_method') IS NULL THEN
        CREATE TYPE auth.code_challenge_method AS ENUM ('s256', 'plain');
        ALTER TYPE auth.code_challenge_method OWNER TO supabase_auth_admin;
    END IF;
    IF to_regtype('auth.one_time_token_type') IS NULL THEN
        CREATE TYPE auth.one_time_token_type AS ENUM (
            'confirmation_token', 'reauthentication_token', 'recovery_token',
            'email_change_token_new', 'email_change_token_current', 'phone_change_token');
        ALTER TYPE auth.one_time_token_type OWNER TO supabase_auth_admin;
    END IF;
END
$types$;

-- Tables -----------------------------------------------------------------------------------
DO $tables$
BEGIN
    IF to_regclass('auth.users') IS NULL THEN
        CREATE TABLE auth.users (
            instance_id                 uuid,
            id                          uuid NOT NULL,
            aud                         varchar(255),
            role                        varchar(255),
            email                       varchar(255),
            encrypted_password          varchar(255),
            email_confirmed_at          timestamptz,
            invited_at                  timestamptz,
            confirmation_token          varchar(255),
            confirmation_sent_at        timestamptz,
            recovery_token              varchar(255),
            recovery_sent_at            timestamptz,
            email_change_token_new      varchar(255),
            email_change                varchar(255),
            email_change_sent_at        timestamptz,
            last_sign_in_at             timestamptz,
            raw_app_meta_data           jsonb,
            raw_user_meta_data          jsonb,
            is_super_admin              boolean,
            created_at                  timestamptz,
            updated_at                  timestamptz,
            phone                       text DEFAULT NULL::varchar,
            phone_confirmed_at          timestamptz,
            phone_change                text DEFAULT ''::varchar,
            phone_change_token          varchar(255) DEFAULT ''::varchar,
            phone_change_sent_at        timestamptz,
            confirmed_at                timestamptz
                GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
            email_change_token_current  varchar(255) DEFAULT ''::varchar,
            email_change_confirm_status smallint DEFAULT 0,
            banned_until                timestamptz,
            reauthentication_token      varchar(255) DEFAULT ''::varchar,
            reauthentication_sent_at    timestamptz,
            is_sso_user                 boolean NOT NULL DEFAULT false,
            deleted_at                  timestamptz,
            is_anonymous                boolean NOT NULL DEFAULT false,
            CONSTRAINT users_pkey PRIMARY KEY (id),
            CONSTRAINT users_phone_key UNIQUE (phone),
            CONSTRAINT users_email_change_confirm_status_check
                CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2)
        );
        CREATE UNIQUE INDEX users_email_partial_key ON auth.users (email) WHERE is_sso_user = false;
        CREATE INDEX users_instance_id_idx ON auth.users (instance_id);
        CREATE INDEX users_instance_id_email_idx ON auth.users (instance_id, lower(email::text));
        CREATE INDEX users_is_anonymous_idx ON auth.users (is_anonymous);
        CREATE UNIQUE INDEX confirmation_token_idx ON auth.users (confirmation_token)
            WHERE confirmation_token::text !~ '^[0-9 ]*$';
        CREATE UNIQUE INDEX recovery_token_idx ON auth.users (recovery_token)
            WHERE recovery_token::text !~ '^[0-9 ]*$';
        CREATE UNIQUE INDEX email_change_token_current_idx ON auth.users (email_change_token_current)
            WHERE email_change_token_current::text !~ '^[0-9 ]*$';
        CREATE UNIQUE INDEX email_change_token_new_idx ON auth.users (email_change_token_new)
            WHERE email_change_token_new::text !~ '^[0-9 ]*$';
        CREATE UNIQUE INDEX reauthentication_token_idx ON auth.users (reauthentication_token)
            WHERE reauthentication_token::text !~ '^[0-9 ]*$';
        COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';
        COMMENT ON COLUMN auth.users.is_sso_user IS
            'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
        ALTER TABLE auth.users OWNER TO supabase_auth_admin;
        ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.users TO postgres, dashboard_user;
        GRANT SELECT ON auth.users TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.identities') IS NULL THEN
        CREATE TABLE auth.identities (
            provider_id     text NOT NULL,
            user_id         uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
            identity_data   jsonb NOT NULL,
            provider        text NOT NULL,
            last_sign_in_at timestamptz,
            created_at      timestamptz,
            updated_at      timestamptz,
            email           text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
            id              uuid NOT NULL DEFAULT gen_random_uuid(),
            CONSTRAINT identities_pkey PRIMARY KEY (id),
            CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
        );
        CREATE INDEX identities_user_id_idx ON auth.identities (user_id);
        CREATE INDEX identities_email_idx ON auth.identities (email text_pattern_ops);
        COMMENT ON TABLE auth.identities IS 'Auth: Stores identities associated to a user.';
        ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
        ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.identities TO postgres, dashboard_user;
        GRANT SELECT ON auth.identities TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.sessions') IS NULL THEN
        CREATE TABLE auth.sessions (
            id                     uuid NOT NULL,
            user_id                uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
            created_at             timestamptz,
            updated_at             timestamptz,
            factor_id              uuid,
            aal                    auth.aal_level,
            not_after              timestamptz,
            refreshed_at           timestamp,
            user_agent             text,
            ip                     inet,
            tag                    text,
            oauth_client_id        uuid,   -- FK to auth.oauth_clients on the platform (not modelled)
            refresh_token_hmac_key text,
            refresh_token_counter  bigint,
            scopes                 text,
            CONSTRAINT sessions_pkey PRIMARY KEY (id),
            CONSTRAINT sessions_scopes_length CHECK (char_length(scopes) <= 4096)
        );
        CREATE INDEX sessions_user_id_idx ON auth.sessions (user_id);
        CREATE INDEX user_id_created_at_idx ON auth.sessions (user_id, created_at);
        CREATE INDEX sessions_not_after_idx ON auth.sessions (not_after DESC);
        CREATE INDEX sessions_oauth_client_id_idx ON auth.sessions (oauth_client_id);
        COMMENT ON TABLE auth.sessions IS 'Auth: Stores session data associated to a user.';
        ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;
        ALTER TABLE auth.sessions ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.sessions TO postgres, dashboard_user;
        GRANT SELECT ON auth.sessions TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.refresh_tokens') IS NULL THEN
        CREATE TABLE auth.refresh_tokens (
            instance_id uuid,
            id          bigserial NOT NULL,
            token       varchar(255),
            user_id     varchar(255),
            revoked     boolean,
            created_at  timestamptz,
            updated_at  timestamptz,
            parent      varchar(255),
            session_id  uuid REFERENCES auth.sessions (id) ON DELETE CASCADE,
            CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id),
            CONSTRAINT refresh_tokens_token_unique UNIQUE (token)
        );
        CREATE INDEX refresh_tokens_instance_id_idx ON auth.refresh_tokens (instance_id);
        CREATE INDEX refresh_tokens_instance_id_user_id_idx ON auth.refresh_tokens (instance_id, user_id);
        CREATE INDEX refresh_tokens_parent_idx ON auth.refresh_tokens (parent);
        CREATE INDEX refresh_tokens_session_id_revoked_idx ON auth.refresh_tokens (session_id, revoked);
        CREATE INDEX refresh_tokens_updated_at_idx ON auth.refresh_tokens (updated_at DESC);
        COMMENT ON TABLE auth.refresh_tokens IS 'Auth: Store of tokens used to refresh JWT tokens once they expire.';
        ALTER TABLE auth.refresh_tokens OWNER TO supabase_auth_admin;
        ALTER TABLE auth.refresh_tokens ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.refresh_tokens TO postgres, dashboard_user;
        GRANT SELECT ON auth.refresh_tokens TO postgres WITH GRANT OPTION;
        GRANT ALL ON SEQUENCE auth.refresh_tokens_id_seq TO postgres, dashboard_user;
    END IF;

    IF to_regclass('auth.mfa_factors') IS NULL THEN
        CREATE TABLE auth.mfa_factors (
            id                           uuid NOT NULL,
            user_id                      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
            friendly_name                text,
            factor_type                  auth.factor_type NOT NULL,
            status                       auth.factor_status NOT NULL,
            created_at                   timestamptz NOT NULL,
            updated_at                   timestamptz NOT NULL,
            secret                       text,
            phone                        text,
            last_challenged_at           timestamptz,
            web_authn_credential         jsonb,
            web_authn_aaguid             uuid,
            last_webauthn_challenge_data jsonb,
            CONSTRAINT mfa_factors_pkey PRIMARY KEY (id),
            CONSTRAINT mfa_factors_last_challenged_at_key UNIQUE (last_challenged_at)
        );
        CREATE UNIQUE INDEX mfa_factors_user_friendly_name_unique ON auth.mfa_factors (friendly_name, user_id)
            WHERE btrim(friendly_name) <> '';
        CREATE INDEX mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
        CREATE INDEX factor_id_created_at_idx ON auth.mfa_factors (user_id, created_at);
        CREATE UNIQUE INDEX unique_phone_factor_per_user ON auth.mfa_factors (user_id, phone);
        COMMENT ON TABLE auth.mfa_factors IS 'auth: stores metadata about factors';
        ALTER TABLE auth.mfa_factors OWNER TO supabase_auth_admin;
        ALTER TABLE auth.mfa_factors ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.mfa_factors TO postgres, dashboard_user;
        GRANT SELECT ON auth.mfa_factors TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.mfa_challenges') IS NULL THEN
        CREATE TABLE auth.mfa_challenges (
            id                     uuid NOT NULL,
            factor_id              uuid NOT NULL,
            created_at             timestamptz NOT NULL,
            verified_at            timestamptz,
            ip_address             inet NOT NULL,
            otp_code               text,
            web_authn_session_data jsonb,
            CONSTRAINT mfa_challenges_pkey PRIMARY KEY (id),
            CONSTRAINT mfa_challenges_auth_factor_id_fkey FOREIGN KEY (factor_id)
                REFERENCES auth.mfa_factors (id) ON DELETE CASCADE
        );
        COMMENT ON TABLE auth.mfa_challenges IS 'auth: stores metadata about challenge requests made';
        ALTER TABLE auth.mfa_challenges OWNER TO supabase_auth_admin;
        ALTER TABLE auth.mfa_challenges ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.mfa_challenges TO postgres, dashboard_user;
        GRANT SELECT ON auth.mfa_challenges TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.mfa_amr_claims') IS NULL THEN
        CREATE TABLE auth.mfa_amr_claims (
            session_id            uuid NOT NULL REFERENCES auth.sessions (id) ON DELETE CASCADE,
            created_at            timestamptz NOT NULL,
            updated_at            timestamptz NOT NULL,
            authentication_method text NOT NULL,
            id                    uuid NOT NULL,
            CONSTRAINT amr_id_pk PRIMARY KEY (id),
            CONSTRAINT mfa_amr_claims_session_id_authentication_method_pkey
                UNIQUE (session_id, authentication_method)
        );
        ALTER TABLE auth.mfa_amr_claims OWNER TO supabase_auth_admin;
        ALTER TABLE auth.mfa_amr_claims ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.mfa_amr_claims TO postgres, dashboard_user;
        GRANT SELECT ON auth.mfa_amr_claims TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.one_time_tokens') IS NULL THEN
        CREATE TABLE auth.one_time_tokens (
            id         uuid NOT NULL,
            user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
            token_type auth.one_time_token_type NOT NULL,
            token_hash text NOT NULL CHECK (char_length(token_hash) > 0),
            relates_to text NOT NULL,
            created_at timestamp NOT NULL DEFAULT now(),
            updated_at timestamp NOT NULL DEFAULT now(),
            CONSTRAINT one_time_tokens_pkey PRIMARY KEY (id)
        );
        CREATE UNIQUE INDEX one_time_tokens_user_id_token_type_key ON auth.one_time_tokens (user_id, token_type);
        CREATE INDEX one_time_tokens_token_hash_hash_idx ON auth.one_time_tokens USING hash (token_hash);
        CREATE INDEX one_time_tokens_relates_to_hash_idx ON auth.one_time_tokens USING hash (relates_to);
        ALTER TABLE auth.one_time_tokens OWNER TO supabase_auth_admin;
        ALTER TABLE auth.one_time_tokens ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.one_time_tokens TO postgres, dashboard_user;
        GRANT SELECT ON auth.one_time_tokens TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.audit_log_entries') IS NULL THEN
        CREATE TABLE auth.audit_log_entries (
            instance_id uuid,
            id          uuid NOT NULL,
            payload     json,
            created_at  timestamptz,
            ip_address  varchar(64) NOT NULL DEFAULT ''::varchar,
            CONSTRAINT audit_log_entries_pkey PRIMARY KEY (id)
        );
        CREATE INDEX audit_logs_instance_id_idx ON auth.audit_log_entries (instance_id);
        COMMENT ON TABLE auth.audit_log_entries IS 'Auth: Audit trail for user actions.';
        ALTER TABLE auth.audit_log_entries OWNER TO supabase_auth_admin;
        ALTER TABLE auth.audit_log_entries ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.audit_log_entries TO postgres, dashboard_user;
        GRANT SELECT ON auth.audit_log_entries TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.instances') IS NULL THEN
        CREATE TABLE auth.instances (
            id              uuid NOT NULL,
            uuid            uuid,
            raw_base_config text,
            created_at      timestamptz,
            updated_at      timestamptz,
            CONSTRAINT instances_pkey PRIMARY KEY (id)
        );
        COMMENT ON TABLE auth.instances IS 'Auth: Manages users across multiple sites.';
        ALTER TABLE auth.instances OWNER TO supabase_auth_admin;
        ALTER TABLE auth.instances ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON auth.instances TO postgres, dashboard_user;
        GRANT SELECT ON auth.instances TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('auth.schema_migrations') IS NULL THEN
        CREATE TABLE auth.schema_migrations (
            version varchar(255) NOT NULL,
            CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
        );
        COMMENT ON TABLE auth.schema_migrations IS 'Auth: Manages updates to the auth system.';
        ALTER TABLE auth.schema_migrations OWNER TO supabase_auth_admin;
        ALTER TABLE auth.schema_migrations ENABLE ROW LEVEL SECURITY;
        -- 20250421084701: no grants to dashboard_user/postgres beyond SELECT WITH GRANT OPTION
        GRANT SELECT ON auth.schema_migrations TO postgres WITH GRANT OPTION;
    END IF;
END
$tables$;

-- JWT helpers: read the claims PostgREST puts in request.jwt.claims (older PostgREST:
-- request.jwt.claim.<name>), exactly like the platform's. Owner supabase_auth_admin;
-- EXECUTE stays with PUBLIC (default), as on the platform.
DO $funcs$
BEGIN
    IF to_regprocedure('auth.uid()') IS NULL THEN
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $b$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
            )::uuid
        $b$;
        COMMENT ON FUNCTION auth.uid() IS 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
        ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
        GRANT ALL ON FUNCTION auth.uid() TO dashboard_user;
    END IF;
    IF to_regprocedure('auth.role()') IS NULL THEN
        CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $b$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'
            )::text
        $b$;
        COMMENT ON FUNCTION auth.role() IS 'Deprecated. Use auth.jwt() -> ''role'' instead.';
        ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
        GRANT ALL ON FUNCTION auth.role() TO dashboard_user;
    END IF;
    IF to_regprocedure('auth.email()') IS NULL THEN
        CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $b$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email'
            )::text
        $b$;
        COMMENT ON FUNCTION auth.email() IS 'Deprecated. Use auth.jwt() -> ''email'' instead.';
        ALTER FUNCTION auth.email() OWNER TO supabase_auth_admin;
        GRANT ALL ON FUNCTION auth.email() TO dashboard_user;
    END IF;
    IF to_regprocedure('auth.jwt()') IS NULL THEN
        CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $b$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $b$;
        ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;
        GRANT ALL ON FUNCTION auth.jwt() TO dashboard_user;
    END IF;
END
$funcs$;

-- What supabase_auth_admin creates later in auth is readable/usable by postgres and Studio
-- (20211115181400_update-auth-permissions.sql). Idempotent.
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth
    GRANT ALL ON TABLES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth
    GRANT ALL ON SEQUENCES TO postgres, dashboard_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth
    GRANT ALL ON FUNCTIONS TO postgres, dashboard_user;
