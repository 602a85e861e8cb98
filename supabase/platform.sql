-- Objects Fluxa's production database has that no migration creates (platform_sql in
-- pyproject.toml): every scratch database gets them before the migrations, as production
-- has them, and they are never diffed (they are also `unmanaged`).
--
-- The plan: "The schema coexists with existing `gists` and `raw_trends` tables." Their
-- columns are not known to this repository, so they are declared here by name only: a
-- migration that created, dropped or renamed a table of these names would fail its proof.
-- When their definitions are known, replace these lines with the output of
--   pg_dump --schema-only --table=public.gists --table=public.raw_trends "$DATABASE_URL"
-- so that views or foreign keys that use their columns can be proven too.
CREATE TABLE public.gists ();
CREATE TABLE public.raw_trends ();
