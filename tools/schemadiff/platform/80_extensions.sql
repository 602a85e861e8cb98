-- 80_extensions.sql: the extensions a new Supabase project has before its first migration.
--
-- Facts: supabase/postgres migrations/schema-17.sql and the initial-schema init script
-- (pgcrypto and uuid-ossp created WITH SCHEMA extensions), and the roles' search_path
-- "$user", public, extensions (20_schemas.sql), which is why real apps call
-- gen_random_bytes(), crypt() and uuid_generate_v4() unqualified. Our own statements.
-- Created only where the server has them (a plain Debian PG15 has both in contrib; the
-- embedded PG18 wheel has neither, and gets the stand-ins of scratch/standins when a
-- migration asks for them). Idempotent.

DO $extensions$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['pgcrypto', 'uuid-ossp'] LOOP
        IF EXISTS (SELECT FROM pg_available_extensions a WHERE a.name = wanted)
           AND NOT EXISTS (SELECT FROM pg_extension e WHERE e.extname = wanted) THEN
            EXECUTE format('CREATE EXTENSION %I WITH SCHEMA extensions', wanted);
        END IF;
    END LOOP;
END
$extensions$;
