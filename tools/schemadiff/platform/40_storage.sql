-- 40_storage.sql: the storage schema objects apps reference (Supabase Storage).
--
-- Shapes are those produced by replaying supabase/storage migrations/tenant/0001..0063
-- (HEAD of 2026-08-21, commit 4fa61fba9371) in order on PG15 and reading the catalog; the
-- statements are our own. Notable sources (all supabase/storage migrations/tenant/):
--   0002-storage-schema.sql (buckets, objects, migrations, foldername/filename/extension/search,
--     default privileges for postgres in storage), 0003-pathtoken-column.sql (path_tokens),
--   0007/0004 (RLS on buckets, migrations), 0008 (public), 0011 (updated_at trigger),
--   0012/0013 (avif_autodetection, file_size_limit, allowed_mime_types), 0016 (version),
--   0017/0018 (owner FK dropped; owner_id text), 0019 (id default gen_random_uuid()),
--   0021/0022/0057 (s3_multipart_uploads[_parts]), 0024 (operation()), 0025 (user_metadata),
--   0026 (level column + prefixes, dropped again by 0052-drop-not-used-indexes-and-functions.sql
--   and 0054: current objects has NO level column), 0037 (bucket name length trigger),
--   0038 (buckettype enum, buckets.type, buckets_analytics), 0044/0045 (VECTOR type, vector
--   buckets), 0046/0049 (grants on buckets/objects), 0055-prevent-direct-deletes.sql,
--   0061-mark-filename-immutable.sql (foldername/filename/extension IMMUTABLE; extension()
--   returns the text after the LAST dot), 0062-object-versioning-core.sql (2026-08-18:
--   versioning columns; newest, may not be deployed on every project yet).
-- Owners/grants: supabase/postgres init-scripts/00000000000002-storage-schema.sql,
--   migrations/20250421084701_revoke_admin_roles_from_postgres.sql, and the ACL section of a
--   live PG 17.6 project's pg_dump (facts.md "Sources").
-- Not modelled: iceberg_namespaces/iceberg_tables, buckets_vectors, vector_indexes, the
-- list_*/search_v2/search_by_timestamp helpers (API internals).

DO $types$
BEGIN
    IF to_regtype('storage.buckettype') IS NULL THEN
        CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS', 'VECTOR');
        ALTER TYPE storage.buckettype OWNER TO supabase_storage_admin;
    END IF;
END
$types$;

DO $tables$
BEGIN
    IF to_regclass('storage.migrations') IS NULL THEN
        CREATE TABLE storage.migrations (
            id          integer NOT NULL PRIMARY KEY,
            name        varchar(100) NOT NULL UNIQUE,
            hash        varchar(40) NOT NULL,
            executed_at timestamp DEFAULT CURRENT_TIMESTAMP
        );
        ALTER TABLE storage.migrations OWNER TO supabase_storage_admin;
        ALTER TABLE storage.migrations ENABLE ROW LEVEL SECURITY;
        -- 20250421084701: nothing for anon/authenticated/service_role/postgres
    END IF;

    IF to_regclass('storage.buckets') IS NULL THEN
        CREATE TABLE storage.buckets (
            id                 text NOT NULL,
            name               text NOT NULL,
            owner              uuid,
            created_at         timestamptz DEFAULT now(),
            updated_at         timestamptz DEFAULT now(),
            public             boolean DEFAULT false,
            avif_autodetection boolean DEFAULT false,
            file_size_limit    bigint,
            allowed_mime_types text[],
            owner_id           text,
            type               storage.buckettype NOT NULL DEFAULT 'STANDARD',
            versioning_status  text NOT NULL DEFAULT 'DISABLED',
            CONSTRAINT buckets_pkey PRIMARY KEY (id),
            CONSTRAINT buckets_versioning_status_check
                CHECK (versioning_status IN ('DISABLED', 'ENABLED', 'SUSPENDED')),
            CONSTRAINT buckets_versioning_standard_only_check
                CHECK (type = 'STANDARD' OR versioning_status = 'DISABLED'),
            CONSTRAINT buckets_versioning_dark_check CHECK (versioning_status = 'DISABLED')
        );
        CREATE UNIQUE INDEX bname ON storage.buckets (name);
        COMMENT ON COLUMN storage.buckets.owner IS 'Field is deprecated, use owner_id instead';
        ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
        ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.buckets TO anon, authenticated, service_role;
        GRANT ALL ON storage.buckets TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('storage.objects') IS NULL THEN
        CREATE TABLE storage.objects (
            id               uuid NOT NULL DEFAULT gen_random_uuid(),
            bucket_id        text,
            name             text,
            owner            uuid,
            created_at       timestamptz DEFAULT now(),
            updated_at       timestamptz DEFAULT now(),
            last_accessed_at timestamptz DEFAULT now(),
            metadata         jsonb,
            path_tokens      text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
            version          text,
            owner_id         text,
            user_metadata    jsonb,
            archived_at      timestamptz,
            is_delete_marker boolean NOT NULL DEFAULT false,
            is_versioned     boolean NOT NULL DEFAULT false,
            CONSTRAINT objects_pkey PRIMARY KEY (id),
            CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage.buckets (id)
        );
        CREATE UNIQUE INDEX bucketid_objname ON storage.objects (bucket_id, name);
        CREATE INDEX name_prefix_search ON storage.objects (name text_pattern_ops);
        CREATE INDEX idx_objects_bucket_id_name ON storage.objects (bucket_id, name COLLATE "C");
        CREATE INDEX idx_objects_bucket_id_name_lower ON storage.objects (bucket_id, lower(name) COLLATE "C");
        COMMENT ON COLUMN storage.objects.owner IS 'Field is deprecated, use owner_id instead';
        ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
        ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.objects TO anon, authenticated, service_role;
        GRANT ALL ON storage.objects TO postgres WITH GRANT OPTION;
    END IF;

    IF to_regclass('storage.s3_multipart_uploads') IS NULL THEN
        CREATE TABLE storage.s3_multipart_uploads (
            id               text NOT NULL PRIMARY KEY,
            in_progress_size bigint NOT NULL DEFAULT 0,
            upload_signature text NOT NULL,
            bucket_id        text NOT NULL REFERENCES storage.buckets (id),
            key              text COLLATE "C" NOT NULL,
            version          text NOT NULL,
            owner_id         text,
            created_at       timestamptz NOT NULL DEFAULT now(),
            user_metadata    jsonb,
            metadata         jsonb
        );
        ALTER TABLE storage.s3_multipart_uploads OWNER TO supabase_storage_admin;
        ALTER TABLE storage.s3_multipart_uploads ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.s3_multipart_uploads TO service_role;
        GRANT SELECT ON storage.s3_multipart_uploads TO authenticated, anon;
    END IF;

    IF to_regclass('storage.s3_multipart_uploads_parts') IS NULL THEN
        CREATE TABLE storage.s3_multipart_uploads_parts (
            id          uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            upload_id   text NOT NULL REFERENCES storage.s3_multipart_uploads (id) ON DELETE CASCADE,
            size        bigint NOT NULL DEFAULT 0,
            part_number integer NOT NULL,
            bucket_id   text NOT NULL REFERENCES storage.buckets (id),
            key         text COLLATE "C" NOT NULL,
            etag        text NOT NULL,
            owner_id    text,
            version     text NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE storage.s3_multipart_uploads_parts OWNER TO supabase_storage_admin;
        ALTER TABLE storage.s3_multipart_uploads_parts ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.s3_multipart_uploads_parts TO service_role;
        GRANT SELECT ON storage.s3_multipart_uploads_parts TO authenticated, anon;
    END IF;

    IF to_regclass('storage.buckets_analytics') IS NULL THEN
        CREATE TABLE storage.buckets_analytics (
            name       text NOT NULL,
            type       storage.buckettype NOT NULL DEFAULT 'ANALYTICS',
            format     text NOT NULL DEFAULT 'ICEBERG',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            id         uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            deleted_at timestamptz
        );
        ALTER TABLE storage.buckets_analytics OWNER TO supabase_storage_admin;
        ALTER TABLE storage.buckets_analytics ENABLE ROW LEVEL SECURITY;
        GRANT ALL ON storage.buckets_analytics TO service_role, authenticated, anon;
    END IF;
END
$tables$;

-- Path helpers used in storage policies. Same results as the platform's (0061: IMMUTABLE).
DO $funcs$
BEGIN
    IF to_regprocedure('storage.foldername(text)') IS NULL THEN
        -- every path segment but the last: 'a/b/c.png' -> {a,b}
        CREATE FUNCTION storage.foldername(name text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE AS $b$
        DECLARE
            parts text[] := string_to_array(name, '/');
        BEGIN
            RETURN parts[1 : array_length(parts, 1) - 1];
        END
        $b$;
        ALTER FUNCTION storage.foldername(text) OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.filename(text)') IS NULL THEN
        -- last path segment: 'a/b/c.png' -> 'c.png'
        CREATE FUNCTION storage.filename(name text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE AS $b$
        DECLARE
            parts text[] := string_to_array(name, '/');
        BEGIN
            RETURN parts[array_length(parts, 1)];
        END
        $b$;
        ALTER FUNCTION storage.filename(text) OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.extension(text)') IS NULL THEN
        -- text after the last '.' of the last segment: 'a/b.tar.gz' -> 'gz'
        -- (a name without a dot yields the whole segment, as on the platform)
        CREATE FUNCTION storage.extension(name text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE AS $b$
        DECLARE
            parts text[] := string_to_array(name, '/');
            last_segment text := parts[array_length(parts, 1)];
        BEGIN
            RETURN reverse(split_part(reverse(last_segment), '.', 1));
        END
        $b$;
        ALTER FUNCTION storage.extension(text) OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.operation()') IS NULL THEN
        CREATE FUNCTION storage.operation() RETURNS text
        LANGUAGE sql STABLE AS $b$ SELECT current_setting('storage.operation', true) $b$;
        ALTER FUNCTION storage.operation() OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.get_size_by_bucket()') IS NULL THEN
        CREATE FUNCTION storage.get_size_by_bucket() RETURNS TABLE (size bigint, bucket_id text)
        LANGUAGE sql STABLE AS $b$
            SELECT sum((o.metadata ->> 'size')::bigint)::bigint, o.bucket_id
            FROM storage.objects o
            GROUP BY o.bucket_id
        $b$;
        ALTER FUNCTION storage.get_size_by_bucket() OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.search(text, text, integer, integer, integer, text, text, text)') IS NULL THEN
        -- Signature as on the platform; a stand-in body (lists objects directly under a prefix,
        -- without the platform's folder aggregation). Apps call it through the Storage API.
        CREATE FUNCTION storage.search(
            prefix text, bucketname text, limits integer DEFAULT 100, levels integer DEFAULT 1,
            offsets integer DEFAULT 0, search text DEFAULT '', sortcolumn text DEFAULT 'name',
            sortorder text DEFAULT 'asc')
        RETURNS TABLE (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                       last_accessed_at timestamptz, metadata jsonb)
        LANGUAGE sql STABLE AS $b$
            SELECT o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
            FROM storage.objects o
            WHERE o.bucket_id = bucketname
              AND o.name ILIKE prefix || '%'
              AND o.name ILIKE '%' || search || '%'
            ORDER BY o.name
            LIMIT limits OFFSET offsets
        $b$;
        ALTER FUNCTION storage.search(text, text, integer, integer, integer, text, text, text)
            OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.update_updated_at_column()') IS NULL THEN
        CREATE FUNCTION storage.update_updated_at_column() RETURNS trigger
        LANGUAGE plpgsql AS $b$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END
        $b$;
        ALTER FUNCTION storage.update_updated_at_column() OWNER TO supabase_storage_admin;
    END IF;

    IF to_regprocedure('storage.enforce_bucket_name_length()') IS NULL THEN
        CREATE FUNCTION storage.enforce_bucket_name_length() RETURNS trigger
        LANGUAGE plpgsql AS $b$
        BEGIN
            IF length(NEW.name) > 100 THEN
                RAISE EXCEPTION 'bucket name "%" is too long (% characters). Max is 100.',
                    NEW.name, length(NEW.name);
            END IF;
            RETURN NEW;
        END
        $b$;
        ALTER FUNCTION storage.enforce_bucket_name_length() OWNER TO supabase_storage_admin;
    END IF;

    -- Since 0055 (2026-01) plain DELETEs on storage.objects / storage.buckets raise 42501
    -- unless the session sets storage.allow_delete_query = 'true' (the Storage API does).
    IF to_regprocedure('storage.protect_delete()') IS NULL THEN
        CREATE FUNCTION storage.protect_delete() RETURNS trigger
        LANGUAGE plpgsql AS $b$
        BEGIN
            IF coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' THEN
                RAISE EXCEPTION 'Direct deletion from storage tables is not allowed. Use the Storage API instead.'
                    USING ERRCODE = '42501',
                          HINT = 'This prevents accidental data loss from orphaned objects.';
            END IF;
            RETURN NULL;
        END
        $b$;
        ALTER FUNCTION storage.protect_delete() OWNER TO supabase_storage_admin;
    END IF;
END
$funcs$;

DO $triggers$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'storage.objects'::regclass
                   AND tgname = 'update_objects_updated_at') THEN
        CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
            FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();
    END IF;
    IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'storage.buckets'::regclass
                   AND tgname = 'enforce_bucket_name_length_trigger') THEN
        CREATE TRIGGER enforce_bucket_name_length_trigger BEFORE INSERT OR UPDATE OF name
            ON storage.buckets FOR EACH ROW EXECUTE FUNCTION storage.enforce_bucket_name_length();
    END IF;
    IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'storage.objects'::regclass
                   AND tgname = 'protect_objects_delete') THEN
        CREATE TRIGGER protect_objects_delete BEFORE DELETE ON storage.objects
            FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();
    END IF;
    IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'storage.buckets'::regclass
                   AND tgname = 'protect_buckets_delete') THEN
        CREATE TRIGGER protect_buckets_delete BEFORE DELETE ON storage.buckets
            FOR EACH STATEMENT EXECUTE FUNCTION storage.protect_delete();
    END IF;
END
$triggers$;

-- The platform's storage init ran `alter default privileges in schema storage grant all ...`
-- as postgres, so what postgres creates in storage is open to the API roles. Idempotent.
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA storage
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA storage
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA storage
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
