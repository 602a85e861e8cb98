"""The platform model: what a new Supabase project holds, checked against the facts it cites,
and the SQL real apps run against it; `platform = "postgres"` for plain Postgres targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cliproject import copy_fluxa, make_project, run
from pgquery import query
from schemadiff.apply import apply_sql
from schemadiff.platform import named
from schemadiff.sources import SqlFile

# storage.objects as supabase/storage's tenant migrations leave it (see 40_storage.sql).
STORAGE_OBJECTS = {"id", "bucket_id", "name", "owner", "owner_id", "created_at", "updated_at",
                   "last_accessed_at", "metadata", "path_tokens", "version", "user_metadata"}
# auth.users columns apps read in triggers and policies (supabase/auth migrations).
AUTH_USERS = {"id", "email", "phone", "raw_user_meta_data", "raw_app_meta_data", "created_at",
              "is_anonymous", "confirmed_at", "email_confirmed_at", "role", "aud"}


def _columns(server, dbname: str, schema: str, table: str) -> set[str]:
    rows = query(server, "SELECT attname FROM pg_attribute WHERE attrelid = "
                         f"'{schema}.{table}'::regclass AND attnum > 0 AND NOT attisdropped",
                 dbname)
    return {name for (name,) in rows}


def test_platform_tables_have_the_columns_apps_use(server, fresh_db):
    db = fresh_db()
    assert _columns(server, db, "storage", "objects") >= STORAGE_OBJECTS
    assert "level" not in _columns(server, db, "storage", "objects")  # dropped in 2026
    assert {"id", "name", "public", "file_size_limit", "allowed_mime_types"} <= _columns(
        server, db, "storage", "buckets")
    assert _columns(server, db, "auth", "users") >= AUTH_USERS
    assert {"topic", "extension", "payload", "event", "private"} <= _columns(
        server, db, "realtime", "messages")


def test_platform_roles_have_their_attributes(server, fresh_db):
    db = fresh_db()
    roles = dict(query(server, "SELECT rolname, row(rolbypassrls, rolinherit, rolcanlogin)"
                               "::text FROM pg_roles", db))
    # service_role bypasses RLS; the API roles inherit (since 2023); authenticator logs in.
    assert roles["service_role"] == "(t,t,f)"
    assert roles["anon"] == "(f,t,f)" and roles["authenticated"] == "(f,t,f)"
    assert roles["authenticator"] == "(f,f,t)"
    for role in ("supabase_admin", "supabase_auth_admin", "supabase_storage_admin",
                 "dashboard_user"):
        assert role in roles


def test_the_platform_loads_twice(server, fresh_db):
    """Idempotent: a `url` server (e.g. `supabase start`) may have all of it already."""
    db = fresh_db()
    conn = server.connect(db, autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path("platform.sql"), named().sql))
    finally:
        conn.close()


APP_SQL = """
create table public.profiles (id uuid primary key references auth.users on delete cascade,
    full_name text, token text default encode(gen_random_bytes(16), 'hex'),
    ref uuid default uuid_generate_v4());
create function public.handle_new_user() returns trigger language plpgsql
    security definer set search_path = '' as $$
begin
  insert into public.profiles (id, full_name) values (new.id, new.raw_user_meta_data->>'full_name');
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users
    for each row execute function public.handle_new_user();
insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy "own folder" on storage.objects for insert to authenticated
    with check (bucket_id = 'avatars'
                and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "own files" on storage.objects for select to authenticated
    using (owner_id = (select auth.uid())::text);
create policy "room members" on realtime.messages for select to authenticated
    using (realtime.topic() = 'room:1');
alter publication supabase_realtime add table public.profiles;
insert into auth.users (id, raw_user_meta_data) values
    ('00000000-0000-0000-0000-000000000001', '{"full_name": "Ada"}');
"""


def test_real_app_sql_runs_on_the_platform(server, fresh_db):
    db = fresh_db()
    conn = server.connect(db, autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path("app.sql"), APP_SQL))
    finally:
        conn.close()
    assert query(server, "SELECT full_name, length(token) FROM public.profiles", db) == [
        ("Ada", 32)]
    assert query(server, "SELECT storage.foldername('a/b/c.png')", db) == [(["a", "b"],)]


PLAIN = '[tool.schemadiff]\nschemas = ["public"]\nplatform = "postgres"\n'


@pytest.mark.parametrize("platform", ["postgres", "supabase"])
def test_plain_postgres_targets_get_no_supabase_grants(tmp_path, platform):
    pyproject = PLAIN if platform == "postgres" else PLAIN.replace('platform = "postgres"\n', "")
    root = make_project(tmp_path, "create table public.items (id bigint primary key);\n",
                        pyproject=pyproject)
    done = run(root, "diff", "init", "--version", "20250101000000", "--json")
    assert done.returncode == 0, done.stderr
    text = (root / "supabase" / "migrations" / "20250101000000_init.sql").read_text()
    supabase_roles = ("anon", "authenticated", "service_role")
    if platform == "postgres":
        assert not any(role in text for role in supabase_roles), text
    else:
        # What the platform's default privileges give the API roles is left to them (the
        # migration runs under the same defaults); the replayed history has schema.sql's
        # privileges exactly, or check would print the grants.
        assert "grant " not in text.lower(), text
        assert run(root, "check").returncode == 0
    assert json.loads(done.stdout)["changed"]


def test_an_unknown_platform_is_a_config_error(tmp_path):
    root = make_project(tmp_path, pyproject=PLAIN.replace('"postgres"', '"firebase"'))
    done = run(root, "check")
    assert done.returncode == 2
    assert "platform must be one of supabase, postgres" in done.stderr


EXTENSIONS_SQL = """
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists pg_net with schema extensions;
create extension if not exists pg_cron with schema pg_catalog;
create extension if not exists pg_graphql with schema graphql;
create extension if not exists pgjwt with schema extensions;
create extension if not exists http with schema extensions;
create extension if not exists supabase_vault with schema vault;
"""

APP_SCHEMA = EXTENSIONS_SQL + """
create table public.accounts (
    id uuid primary key default uuid_generate_v4(),
    api_key text not null unique default encode(gen_random_bytes(16), 'hex'),
    password_hash text default crypt('initial', gen_salt('bf'))
);
alter table public.accounts enable row level security;
create function public.notify_signup() returns trigger language plpgsql
    security definer set search_path = '' as $$
begin
  perform net.http_post('https://hooks.example.com/signup',
                        jsonb_build_object('id', new.id));
  return new;
end $$;
create trigger notify_signup after insert on auth.users
    for each row execute function public.notify_signup();
create policy "read own avatar" on storage.objects for select to authenticated
    using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy "room" on realtime.messages for select to authenticated
    using (realtime.topic() = 'room:' || (select auth.uid())::text);
alter publication supabase_realtime add table public.accounts;
insert into public.accounts (api_key) values ('fixed-key-for-the-seed');
"""


@pytest.mark.parametrize("backend", ["local", "embedded"])
def test_an_app_using_the_platform_diffs_checks_and_verifies(tmp_path, backend):
    """From an empty history, on the default local server (PG15) and the embedded one
    (PG18, which lacks pgcrypto and uuid-ossp: their stand-ins run the defaults)."""
    pyproject = ('[tool.schemadiff]\nschemas = ["public"]\n'
                 '[tool.schemadiff.lint]\nrls-no-policy = "off"\n')
    root = make_project(tmp_path, APP_SCHEMA, pyproject=pyproject)
    done = run(root, "diff", "init", "--version", "20250101000000", "--backend", backend)
    assert done.returncode == 0, done.stderr
    assert "stand-in extensions" in done.stderr and "pg_net" in done.stderr
    assert run(root, "check", "--backend", backend).returncode == 0
    verified = run(root, "verify", "--backend", backend)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_embedded_stand_ins_compute_what_the_real_extensions_do(tmp_path):
    from schemadiff.scratch import scratch_server

    with scratch_server("embedded") as (server, databases):
        db = databases.create("standins")
        rows = query(server, """
            SELECT extensions.uuid_generate_v3(extensions.uuid_ns_dns(), 'example.com'),
                   encode(extensions.hmac('what do ya want for nothing?', 'Jefe', 'sha256'),
                          'hex'),
                   encode(extensions.digest('abc', 'sha256'), 'hex'),
                   length(extensions.gen_random_bytes(40)),
                   extensions.crypt('pw', extensions.crypt('pw', extensions.gen_salt('bf')))
                       = extensions.crypt('pw', extensions.crypt('pw', extensions.gen_salt('bf'))),
                   (SELECT obj_description(oid, 'pg_extension') FROM pg_extension
                    WHERE extname = 'pgcrypto')""", db)
    uuid, hmac, digest, length, _, comment = rows[0]
    # RFC 4122 appendix / common test vector; RFC 4231 test case 2; FIPS 180-2 "abc".
    assert str(uuid) == "9073926b-929f-31c2-abc9-fad77ae3e8eb"
    assert hmac == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert length == 40
    assert comment.startswith("schemadiff stand-in for pgcrypto")


def test_a_stand_in_crypt_checks_the_password_it_hashed(tmp_path):
    from schemadiff.scratch import scratch_server

    with scratch_server("embedded") as (server, databases):
        db = databases.create("crypt")
        [(same, other)] = query(server, """
            WITH h AS (SELECT extensions.crypt('secret', extensions.gen_salt('bf', 8)) AS hash)
            SELECT extensions.crypt('secret', hash) = hash,
                   extensions.crypt('wrong', hash) = hash FROM h""", db)
    assert same and not other


def test_platform_sql_is_there_before_the_migrations_and_never_diffed(tmp_path):
    pyproject = ('[tool.schemadiff]\nschemas = ["public"]\nunmanaged = ["public.legacy"]\n'
                 'platform_sql = ["supabase/platform.sql"]\n')
    root = make_project(tmp_path, "create table public.orders (id bigint primary key, "
                        "legacy_id bigint references public.legacy (id));\n",
                        pyproject=pyproject)
    (root / "supabase").mkdir(exist_ok=True)
    (root / "supabase" / "platform.sql").write_text(
        "create table public.legacy (id bigint primary key);\n")
    done = run(root, "diff", "init", "--version", "20250101000000")
    assert done.returncode == 0, done.stderr
    migration = (root / "supabase/migrations/20250101000000_init.sql").read_text()
    assert "orders" in migration and 'create table "public"."legacy"' not in migration
    assert run(root, "check").returncode == 0



@pytest.mark.parametrize("table", ["gists", "raw_trends"])
def test_fluxas_existing_tables_are_in_every_scratch_database(tmp_path, table):
    """Production has public.gists and public.raw_trends outside any migration (the plan);
    the repository declares them in platform_sql, so a change that collides with one fails
    its proof instead of reaching production."""
    copy_fluxa(tmp_path)
    assert run(tmp_path, "check").returncode == 0
    schema = tmp_path / "schema.sql"
    schema.write_text(schema.read_text() + f"\nCREATE TABLE public.{table} (id bigint);\n")
    done = run(tmp_path, "check")
    assert done.returncode == 5, done.stdout + done.stderr
    assert f'relation "{table}" already exists' in done.stderr
    assert "schema.sql:" in done.stderr

OLD_TABLE = "create table public.notes (id bigint primary key, body text);\n"


@pytest.mark.parametrize("legacy", [True, False])
def test_history_under_the_legacy_default_privileges_kept_its_grants(tmp_path, legacy):
    """A table created by a migration before 2026 got ALL for the API roles by default; a
    schema.sql that declares no grants must then revoke them (and nothing otherwise)."""
    pyproject = '[tool.schemadiff]\nschemas = ["public"]\n'
    if legacy:
        pyproject += 'legacy_grants_until = "20250601000000"\n'
    root = make_project(tmp_path, OLD_TABLE, pyproject=pyproject,
                        migrations={"20250101000000_notes.sql": OLD_TABLE})
    checked = run(root, "check", "--json")
    pending = json.loads(checked.stdout)["pending"]
    if legacy:
        assert checked.returncode == 1
        assert any(s.startswith("revoke") and '"anon"' in s for s in pending), pending
    else:
        assert checked.returncode == 0, pending


def test_the_server_major_comes_from_the_supabase_config(tmp_path):
    from schemadiff import config

    root = make_project(tmp_path, pyproject="[tool.schemadiff]\n")
    assert config.load(root).postgres_major == 17  # a new Supabase project's
    (root / "supabase").mkdir(exist_ok=True)
    (root / "supabase" / "config.toml").write_text("[db]\nport = 54322\nmajor_version = 15\n")
    assert config.load(root).postgres_major == 15


def test_bucket_rows_in_schema_sql_are_managed_as_reference_data(tmp_path):
    schema = ("insert into storage.buckets (id, name, public) values ('avatars', 'avatars', "
              "true) on conflict (id) do nothing;\n"
              "create table public.profiles (id uuid primary key);\n")
    root = make_project(tmp_path, schema)
    done = run(root, "diff", "init", "--version", "20250101000000")
    assert done.returncode == 0, done.stderr
    migration = (root / "supabase/migrations/20250101000000_init.sql").read_text()
    assert 'INSERT INTO storage.buckets' in migration, migration
    assert run(root, "check").returncode == 0
    # Making the bucket private is one guarded update; the rollback makes it public again.
    (root / "schema.sql").write_text(schema.replace("'avatars', true)", "'avatars', false)"))
    done = run(root, "diff", "private_avatars", "--version", "20250102000000")
    assert done.returncode == 0, done.stderr
    assert "public" in (root / "supabase/migrations/20250102000000_private_avatars.sql"
                        ).read_text()


PLATFORM_GRANTS = """
create table public.profiles (id uuid primary key);
grant select on storage.s3_multipart_uploads to dashboard_user;
revoke execute on function auth.email() from public;
grant execute on function auth.email() to authenticated;
grant usage on schema realtime to dashboard_user;
"""


def test_grants_on_platform_objects_in_schema_sql_are_managed(tmp_path):
    """Grants and revokes on platform objects are diffed, written and undone, object by
    object; the platform's tables and functions themselves never appear."""
    root = make_project(tmp_path, PLATFORM_GRANTS)
    done = run(root, "diff", "init", "--version", "20250101000000", "--allow-wider-access")
    assert done.returncode == 0, done.stderr
    up = (root / "supabase/migrations/20250101000000_init.sql").read_text().lower()
    down = (root / "supabase/rollbacks/20250101000000_init.sql").read_text().lower()
    for wanted in ("grant select on table storage.s3_multipart_uploads to dashboard_user",
                   "revoke execute on function auth.email() from public",
                   "grant execute on function auth.email() to authenticated",
                   "grant usage on schema realtime to dashboard_user"):
        assert wanted in up.replace('"', ""), up
    assert "revoke select on table storage.s3_multipart_uploads from dashboard_user" in \
        down.replace('"', ""), down
    for platform_schema in ("storage", "auth", "realtime"):
        assert f'create table "{platform_schema}"' not in up, up
        assert f'alter table "{platform_schema}"' not in up, up
    assert "create function" not in up and "create or replace function" not in up, up
    assert run(root, "check").returncode == 0
    # Dropping a declared grant from schema.sql revokes it.
    (root / "schema.sql").write_text(PLATFORM_GRANTS.replace(
        "grant usage on schema realtime to dashboard_user;\n", ""))
    checked = run(root, "check", "--json")
    assert checked.returncode == 1
    pending = " ".join(json.loads(checked.stdout)["pending"]).lower().replace('"', "")
    assert "revoke usage on schema realtime from dashboard_user" in pending, pending


DIFF_FIXTURES = Path(__file__).parent / "fixtures" / "diff"
SUPABASE_WORDS = ("auth.", "anon", "authenticated", "service_role", "storage.", "realtime")


@pytest.fixture(scope="module")
def plain_server():
    """A scratch server whose databases hold no Supabase platform at all."""
    from schemadiff.scratch import scratch_server

    with scratch_server(platform=named("postgres")) as started:
        yield started


@pytest.mark.parametrize("case", sorted(
    p.name for p in DIFF_FIXTURES.iterdir()
    if not any(w in (p / f).read_text() for f in ("a.sql", "b.sql") for w in SUPABASE_WORDS)))
def test_plain_postgres_fixtures_carry_no_supabase_grants(plain_server, case):
    from roundtrip import roundtrip

    server, databases = plain_server
    assert query(server, "SELECT count(*) FROM pg_roles WHERE rolname = 'anon'") == [(0,)]
    result = roundtrip(server, databases, DIFF_FIXTURES / case)
    text = result.up_text + result.down_text
    assert not any(role in text for role in ("anon", "authenticated", "service_role")), text
