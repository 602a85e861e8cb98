-- Whether Postgres can ALTER EXTENSION … UPDATE from one version to another: an
-- extension ships upgrade scripts, rarely downgrade ones (pg_trgm has none).
SELECT EXISTS (
    SELECT FROM pg_extension_update_paths(%(name)s)
    WHERE source = %(source)s AND target = %(target)s AND path IS NOT NULL
);
