-- 10_roles.sql: the cluster roles a Supabase project has before its first migration.
--
-- Our own model of the platform, written from these facts (see facts.md for detail):
--   * supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql
--     (anon, authenticated, service_role, authenticator, supabase_admin,
--     supabase_replication_admin, supabase_read_only_user, supabase_etl_admin, timeouts)
--   * supabase/postgres migrations/db/init-scripts/00000000000001-auth-schema.sql,
--     00000000000002-storage-schema.sql, 00000000000003-post-setup.sql (dashboard_user),
--     00000000000003-realtime-schema.sql
--   * supabase/postgres migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--     (API roles became INHERIT), 20221028101028_set_authenticator_timeout.sql,
--     20231130133139_set_lock_timeout_to_authenticator_role.sql,
--     20221103090837_revoke_admin.sql (authenticator no longer member of supabase_admin),
--     20230201083204_grant_auth_roles_to_postgres.sql,
--     20231013070755_grant_authenticator_to_supabase_storage_admin.sql,
--     20240606060239_grant_predefined_roles_to_postgres.sql, 20230306081037_grant_pg_monitor_to_postgres.sql,
--     20250605172253_grant_with_admin_to_postgres_16_and_above.sql,
--     20251215120934_supabase_superuser.sql, 20260821154147_revoke_createrole_from_auth_admin.sql
--   * supabase/postgres nix/tests/expected/roles.out and z_17_roles.out (attributes, rolconfig, memberships)
--   * a pg_dumpall of a live PG 17.6 Supabase project found in public code (roles section only;
--     see facts.md "Sources"): supabase_privileged_role, supabase_realtime_admin NOLOGIN NOINHERIT,
--     supabase_read_only_user default_transaction_read_only, postgres member of supabase_realtime_admin.
--
-- Rules of this file:
--   * A role is only created when missing; an existing role is NEVER altered (its attributes,
--     settings and memberships are left as they are), because roles are cluster-wide and a
--     `url` server (e.g. `supabase start`) may already have the real ones.
--   * Every role we create is marked with COMMENT ON ROLE ... 'schemadiff platform shim', so
--     later files (20_schemas.sql) can tell "created by us" and only then set role settings.
--   * SUPERUSER / REPLICATION / BYPASSRLS can only be given by a superuser. When the loading
--     role is not a superuser those attributes are dropped (with a NOTICE) instead of failing.
--   * The bootstrap role `postgres` already exists (it is the superuser here, while on the
--     platform it is NOSUPERUSER CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS): untouched.
--   * No password is set on any role.

DO $roles$
DECLARE
    is_super boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
    -- name, attributes (as on a current platform project), settings to apply when we create it
    spec text[][] := ARRAY[
        -- API roles: NOLOGIN; INHERIT since 20230529180330 (created NOINHERIT in the init script)
        ARRAY['anon',                       'NOLOGIN INHERIT'],
        ARRAY['authenticated',              'NOLOGIN INHERIT'],
        ARRAY['service_role',               'NOLOGIN INHERIT BYPASSRLS'],
        -- PostgREST's login role: switches into the API roles, inherits nothing
        ARRAY['authenticator',              'LOGIN NOINHERIT'],
        -- platform superuser (owner of auth/storage/realtime/vault schemas, event triggers)
        ARRAY['supabase_admin',             'LOGIN SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS INHERIT'],
        -- service owners
        ARRAY['supabase_auth_admin',        'LOGIN NOINHERIT NOCREATEROLE'],
        ARRAY['supabase_storage_admin',     'LOGIN NOINHERIT CREATEROLE'],
        ARRAY['supabase_realtime_admin',    'NOLOGIN NOINHERIT'],
        ARRAY['supabase_replication_admin', 'LOGIN REPLICATION INHERIT'],
        ARRAY['supabase_read_only_user',    'LOGIN BYPASSRLS INHERIT'],
        ARRAY['supabase_etl_admin',         'LOGIN REPLICATION BYPASSRLS INHERIT'],
        ARRAY['supabase_privileged_role',   'NOLOGIN INHERIT'],
        -- Studio's role
        ARRAY['dashboard_user',             'NOLOGIN INHERIT CREATEROLE CREATEDB REPLICATION'],
        -- connection pooler auth_query role (owner of schema pgbouncer)
        ARRAY['pgbouncer',                  'LOGIN INHERIT'],
        -- exists once Database Webhooks / pg_net were enabled (see 55_supabase_functions.sql)
        ARRAY['supabase_functions_admin',   'LOGIN NOINHERIT CREATEROLE']
    ];
    i int;
    r text;
    attrs text;
BEGIN
    FOR i IN 1 .. array_length(spec, 1) LOOP
        r := spec[i][1];
        attrs := spec[i][2];
        CONTINUE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = r);
        IF NOT is_super THEN
            IF attrs ~ '\m(SUPERUSER|REPLICATION|BYPASSRLS)\M' THEN
                RAISE NOTICE 'schemadiff shim: % created without SUPERUSER/REPLICATION/BYPASSRLS (loader is not a superuser)', r;
            END IF;
            attrs := regexp_replace(attrs, '\m(SUPERUSER|REPLICATION|BYPASSRLS)\M', '', 'g');
        END IF;
        EXECUTE format('CREATE ROLE %I %s', r, attrs);
        EXECUTE format('COMMENT ON ROLE %I IS %L', r, 'schemadiff platform shim');
    END LOOP;
END
$roles$;

-- Per-role settings, only on roles this shim created (never on pre-existing roles).
-- Left out on purpose:
--   * authenticator's session_preload_libraries = safeupdate (the library is not installed
--     here; setting it would make every login as authenticator fail).
--   * log_statement = none on supabase_admin / supabase_auth_admin / supabase_storage_admin
--     (a superuser-only parameter; irrelevant to schema replay).
--   * search_path settings: written by 20_schemas.sql, next to the schemas they name.
DO $settings$
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT * FROM (VALUES
            ('anon',                    'statement_timeout',                   '3s'),
            ('authenticated',           'statement_timeout',                   '8s'),
            ('authenticator',           'statement_timeout',                   '8s'),
            ('authenticator',           'lock_timeout',                        '8s'),
            ('supabase_auth_admin',     'idle_in_transaction_session_timeout', '60000'),
            ('supabase_read_only_user', 'default_transaction_read_only',       'on')
        ) AS v(role_name, setting, value)
    LOOP
        IF shobj_description((SELECT oid FROM pg_roles WHERE rolname = s.role_name), 'pg_authid')
               = 'schemadiff platform shim'
           AND NOT EXISTS (
               SELECT FROM pg_db_role_setting d
               WHERE d.setrole = (SELECT oid FROM pg_roles WHERE rolname = s.role_name)
                 AND d.setdatabase = 0
                 AND EXISTS (SELECT FROM unnest(d.setconfig) c WHERE c LIKE s.setting || '=%'))
        THEN
            EXECUTE format('ALTER ROLE %I SET %I = %L', s.role_name, s.setting, s.value);
        END IF;
    END LOOP;
END
$settings$;

-- Memberships (member <- granted role). Only missing ones are added; existing ones are
-- left alone. On PG16+ the platform grants the API roles and authenticator to postgres
-- WITH ADMIN OPTION (20250605172253); on PG15 postgres' CREATEROLE already implies it.
-- authenticator is NOINHERIT, so on PG16+ its grants get INHERIT FALSE automatically,
-- which is what the platform dump shows.
DO $members$
DECLARE
    m record;
    pg16 boolean := current_setting('server_version_num')::int >= 160000;
    shared boolean := coalesce(current_setting('schemadiff.shared_server', true), '') = 'on';
BEGIN
    FOR m IN
        SELECT * FROM (VALUES
            ('authenticator',           'anon',                     false),
            ('authenticator',           'authenticated',            false),
            ('authenticator',           'service_role',             false),
            ('postgres',                'anon',                     true),
            ('postgres',                'authenticated',            true),
            ('postgres',                'service_role',             true),
            ('postgres',                'authenticator',            true),
            ('postgres',                'pg_monitor',               true),
            ('postgres',                'pg_read_all_data',         true),
            ('postgres',                'pg_signal_backend',        true),
            ('postgres',                'supabase_privileged_role', false),
            ('postgres',                'supabase_realtime_admin',  false),
            ('postgres',                'supabase_functions_admin', false),
            ('supabase_storage_admin',  'authenticator',            false),
            ('supabase_read_only_user', 'pg_read_all_data',         false),
            ('supabase_read_only_user', 'pg_monitor',               false),
            ('supabase_etl_admin',      'pg_read_all_data',         false),
            ('supabase_etl_admin',      'pg_monitor',               false),
            ('supabase_etl_admin',      'supabase_privileged_role', false)
        ) AS v(member, granted, with_admin)
    LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_roles WHERE rolname = m.member)
                   OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = m.granted);
        -- On a server the user owns (schemadiff sets schemadiff.shared_server there), a
        -- role that existed before is never given a membership: that would alter it.
        CONTINUE WHEN shared AND shobj_description(
            (SELECT oid FROM pg_roles WHERE rolname = m.member), 'pg_authid')
            IS DISTINCT FROM 'schemadiff platform shim';
        -- A superuser member (postgres here) needs no membership to act, but the
        -- memberships are catalog facts the platform has, so they are recorded anyway.
        IF NOT EXISTS (
            SELECT FROM pg_auth_members am
            WHERE am.member = (SELECT oid FROM pg_roles WHERE rolname = m.member)
              AND am.roleid = (SELECT oid FROM pg_roles WHERE rolname = m.granted))
        THEN
            IF m.with_admin AND pg16 THEN
                EXECUTE format('GRANT %I TO %I WITH ADMIN OPTION', m.granted, m.member);
            ELSE
                EXECUTE format('GRANT %I TO %I', m.granted, m.member);
            END IF;
        END IF;
    END LOOP;
    -- pg_create_subscription exists from PG16; the platform grants it to postgres on 17.
    IF pg16 AND NOT shared AND NOT EXISTS (
        SELECT FROM pg_auth_members am
        JOIN pg_roles g ON g.oid = am.roleid
        JOIN pg_roles u ON u.oid = am.member
        WHERE u.rolname = 'postgres' AND g.rolname = 'pg_create_subscription')
    THEN
        EXECUTE 'GRANT pg_create_subscription TO postgres WITH ADMIN OPTION';
    END IF;
END
$members$;
