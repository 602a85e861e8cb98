-- 60_vault.sql: Supabase Vault, modelled as plain objects.
--
-- On the platform these objects belong to the C extension supabase_vault (schema vault,
-- not relocatable), pre-installed on every project:
--   supabase/vault supabase_vault.control.in, sql/supabase_vault--0.3.0.sql (0.3.1: no SQL change)
--   supabase/postgres migrations/schema-17.sql (CREATE EXTENSION supabase_vault WITH SCHEMA vault)
--   ACL section of a live PG 17.6 project's pg_dump (facts.md "Sources").
-- Why plain objects (decision, see facts.md): the extension needs its C library
-- (libsodium-based XChaCha20 AEAD with a server-held root key), which plain PostgreSQL does
-- not have; apps only use the SQL surface (vault.create_secret/update_secret and the
-- vault.decrypted_secrets view); and schemadiff never diffs the vault schema. The stand-in
-- keeps every signature, column, owner and grant, but the "encryption" is only base64
-- (secret = base64(plaintext)); it is NOT secret-safe and must never hold real secrets.
-- A migration that runs `create extension supabase_vault` still fails here (no control file).
-- Statements are our own.

DO $vault$
BEGIN
    IF to_regclass('vault.secrets') IS NULL THEN
        CREATE TABLE vault.secrets (
            id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name        text,
            description text NOT NULL DEFAULT '',
            secret      text NOT NULL,
            key_id      uuid,
            nonce       bytea,   -- platform default: vault._crypto_aead_det_noncegen() (C)
            created_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at  timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE UNIQUE INDEX secrets_name_idx ON vault.secrets (name) WHERE name IS NOT NULL;
        COMMENT ON TABLE vault.secrets IS
            'Table with encrypted `secret` column for storing sensitive information on disk.';
        ALTER TABLE vault.secrets OWNER TO supabase_admin;
        GRANT SELECT, REFERENCES, DELETE, TRUNCATE ON vault.secrets TO postgres WITH GRANT OPTION;
        GRANT SELECT, DELETE ON vault.secrets TO service_role;
    END IF;

    IF to_regclass('vault.decrypted_secrets') IS NULL THEN
        CREATE VIEW vault.decrypted_secrets AS
        SELECT s.id, s.name, s.description, s.secret,
               convert_from(decode(s.secret, 'base64'), 'utf8') AS decrypted_secret,
               s.key_id, s.nonce, s.created_at, s.updated_at
        FROM vault.secrets s;
        ALTER VIEW vault.decrypted_secrets OWNER TO supabase_admin;
        GRANT SELECT, REFERENCES, DELETE, TRUNCATE ON vault.decrypted_secrets TO postgres WITH GRANT OPTION;
        GRANT SELECT, DELETE ON vault.decrypted_secrets TO service_role;
    END IF;

    IF to_regprocedure('vault.create_secret(text, text, text, uuid)') IS NULL THEN
        CREATE FUNCTION vault.create_secret(
            new_secret text, new_name text DEFAULT NULL, new_description text DEFAULT '',
            new_key_id uuid DEFAULT NULL)   -- new_key_id: accepted and ignored, as on the platform
        RETURNS uuid
        LANGUAGE sql
        SECURITY DEFINER
        SET search_path = ''
        AS $b$
            INSERT INTO vault.secrets (secret, name, description)
            VALUES (encode(convert_to(new_secret, 'utf8'), 'base64'), new_name, new_description)
            RETURNING id
        $b$;
        ALTER FUNCTION vault.create_secret(text, text, text, uuid) OWNER TO supabase_admin;
        REVOKE ALL ON FUNCTION vault.create_secret(text, text, text, uuid) FROM PUBLIC;
        GRANT ALL ON FUNCTION vault.create_secret(text, text, text, uuid) TO postgres WITH GRANT OPTION;
        GRANT ALL ON FUNCTION vault.create_secret(text, text, text, uuid) TO service_role;
    END IF;

    IF to_regprocedure('vault.update_secret(uuid, text, text, text, uuid)') IS NULL THEN
        CREATE FUNCTION vault.update_secret(
            secret_id uuid, new_secret text DEFAULT NULL, new_name text DEFAULT NULL,
            new_description text DEFAULT NULL, new_key_id uuid DEFAULT NULL)
        RETURNS void
        LANGUAGE sql
        SECURITY DEFINER
        SET search_path = ''
        AS $b$
            UPDATE vault.secrets s
            SET secret = coalesce(encode(convert_to(new_secret, 'utf8'), 'base64'), s.secret),
                name = coalesce(new_name, s.name),
                description = coalesce(new_description, s.description),
                updated_at = now()
            WHERE s.id = secret_id
        $b$;
        ALTER FUNCTION vault.update_secret(uuid, text, text, text, uuid) OWNER TO supabase_admin;
        REVOKE ALL ON FUNCTION vault.update_secret(uuid, text, text, text, uuid) FROM PUBLIC;
        GRANT ALL ON FUNCTION vault.update_secret(uuid, text, text, text, uuid) TO postgres WITH GRANT OPTION;
        GRANT ALL ON FUNCTION vault.update_secret(uuid, text, text, text, uuid) TO service_role;
    END IF;
END
$vault$;
