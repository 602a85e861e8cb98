"""Building "current" and "desired": at the same time, and from a cached replay when the
migrations are byte-for-byte the ones it was built from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schemadiff import build
from schemadiff.diff.statements import statements
from schemadiff.errors import SQLInputError
from schemadiff.inspect.scope import Scope
from schemadiff.inspect.views import Views
from schemadiff.migrations import list_migrations
from schemadiff.scratch import binaries, cache, scratch_server
from schemadiff.scratch import golden as goldens
from schemadiff.sources import SqlFile, read_sql

# Each side waits until it sees the other one running, then stays a while so that the
# other sees it too: built one after the other, the first would give up and fail.
WAIT_FOR = """
DO $$
BEGIN
  FOR i IN 1..1000 LOOP
    -- Activity is read once per transaction unless the snapshot is dropped.
    PERFORM pg_stat_clear_snapshot();
    IF EXISTS (SELECT 1 FROM pg_stat_activity
               WHERE datname LIKE '%{other}%' AND state = 'active') THEN
      PERFORM pg_sleep(0.5);  -- stay active until the other side has seen us too
      RETURN;
    END IF;
    PERFORM pg_sleep(0.01);
  END LOOP;
  RAISE EXCEPTION 'the {other} database was not being built at the same time';
END $$;
"""


def _project(root: Path, migrations: dict[str, str], schema: str) -> tuple[list, SqlFile]:
    mdir = root / "supabase" / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    for name, text in migrations.items():
        (mdir / name).write_text(text)
    (root / "schema.sql").write_text(schema)
    return list_migrations(mdir, root / "supabase" / "rollbacks"), read_sql(root / "schema.sql")


def _tables(server, dbname: str) -> list[str]:
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "ORDER BY tablename")
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


MIGRATIONS = {
    "20250101000000_items.sql": "create table public.items (id bigint primary key);\n",
    "20250102000000_tags.sql": (
        "create table public.tags (id bigint primary key, "
        "item_id bigint references public.items (id));\n"
    ),
}
SCHEMA = "create table public.items (id bigint primary key, name text);\n"


def test_build_both_gives_replayed_migrations_and_schema(server, databases, tmp_path):
    history, schema = _project(tmp_path, MIGRATIONS, SCHEMA)
    built: list[str] = []
    current, desired = build.build_both(server, databases, history, schema, then=built.append)
    try:
        assert _tables(server, current) == ["items", "tags"]
        assert _tables(server, desired) == ["items"]
        assert sorted(built) == sorted([current, desired])
    finally:
        databases.drop(current)
        databases.drop(desired)


def test_build_both_builds_the_two_at_the_same_time(server, databases, tmp_path):
    history, schema = _project(
        tmp_path,
        {"20250101000000_wait.sql": WAIT_FOR.format(other="desired")},
        "create table public.t (id int);\n" + WAIT_FOR.format(other="current"),
    )
    current, desired = build.build_both(server, databases, history, schema)
    databases.drop(current)
    databases.drop(desired)


def test_a_bad_schema_file_is_reported_with_its_location(server, databases, tmp_path):
    history, schema = _project(tmp_path, MIGRATIONS, "create table public.x (id nosuchtype);\n")
    with pytest.raises(SQLInputError) as caught:
        build.build_both(server, databases, history, schema)
    assert "schema.sql:1:" in caught.value.message


def test_when_both_fail_the_migrations_error_is_raised(server, databases, tmp_path):
    history, schema = _project(
        tmp_path, {"20250101000000_bad.sql": "select * from public.missing;\n"},
        "create table public.x (id nosuchtype);\n",
    )
    with pytest.raises(SQLInputError) as caught:
        build.build_both(server, databases, history, schema)
    assert "20250101000000_bad.sql:1:" in caught.value.message


def test_an_empty_schema_file_is_refused_before_any_work(server, databases, tmp_path):
    history, schema = _project(tmp_path, MIGRATIONS, "-- nothing yet\n")
    with pytest.raises(SQLInputError, match="holds no SQL statement"):
        build.build_both(server, databases, history, schema)


def test_replay_key_follows_every_byte_name_and_order(tmp_path):
    history, _ = _project(tmp_path / "a", MIGRATIONS, SCHEMA)
    key = build.replay_key(history)
    # The same files elsewhere: the same key (the repository's location does not matter).
    elsewhere, _ = _project(tmp_path / "b", MIGRATIONS, SCHEMA)
    assert build.replay_key(elsewhere) == key

    edited = dict(MIGRATIONS)
    edited["20250102000000_tags.sql"] += " "
    changed, _ = _project(tmp_path / "c", edited, SCHEMA)
    assert build.replay_key(changed) != key

    renamed = {"20250101000000_items.sql": MIGRATIONS["20250101000000_items.sql"],
               "20250103000000_tags.sql": MIGRATIONS["20250102000000_tags.sql"]}
    moved, _ = _project(tmp_path / "d", renamed, SCHEMA)
    assert build.replay_key(moved) != key
    assert build.replay_key(history[:1]) != key
    assert build.replay_key(list(reversed(history))) != key
    assert build.replay_seed([]) is None


def test_replay_clones_the_seed_database_when_the_server_has_it(server, databases, tmp_path):
    if not server.backend.caches_seeds:
        pytest.skip("seeds come only from the cluster cache")
    history, _ = _project(tmp_path, MIGRATIONS, SCHEMA)
    seed = build.replay_seed(history)
    assert seed is not None
    # Stand-in for a cached replay, with a table the migrations do not make: only a
    # clone of it can hold that table.
    conn = server.connect()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{seed.dbname}" TEMPLATE "{databases.base()}"')
    conn.close()
    try:
        conn = server.connect(seed.dbname)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE public.only_in_seed (id int)")
        conn.close()
        current = build.replay(server, databases, history, seed=seed)
        assert _tables(server, current) == ["only_in_seed"]
        databases.drop(current)
        fresh = build.replay(server, databases, history, seed=build.replay_seed(history[:1]))
        assert _tables(server, fresh) == ["items", "tags"]  # no such seed here: replayed
        databases.drop(fresh)
    finally:
        conn = server.connect()
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE "{seed.dbname}"')
        conn.close()


def _cluster_backend() -> str:
    return "local" if binaries.local_bindirs(15) else "embedded"


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A private cluster cache, seeded with the shared golden cluster when there is one."""
    mine = tmp_path / "cache"
    shared = cache.clusters_dir()
    monkeypatch.setenv("SCHEMADIFF_CACHE_DIR", str(mine))
    (mine / "clusters").mkdir(parents=True)
    if shared.is_dir():
        for entry in shared.iterdir():
            if entry.is_dir() and "-" not in entry.name and not entry.name.startswith("."):
                shutil.copytree(entry, mine / "clusters" / entry.name)
    return mine


def test_a_cached_replay_is_the_state_a_fresh_replay_builds(own_cache, tmp_path):
    migrations = {
        **MIGRATIONS,
        "20250103000000_more.sql": (
            "create type public.mood as enum ('ok', 'meh');\n"
            "alter table public.items add column mood public.mood default 'ok';\n"
            "create index items_mood_idx on public.items (mood);\n"
            "alter table public.items enable row level security;\n"
            "create policy items_read on public.items for select to authenticated using (true);\n"
        ),
    }
    history, schema = _project(tmp_path, migrations, SCHEMA)
    seed = build.replay_seed(history)
    scope = Scope(("public",))
    with scratch_server(_cluster_backend(), seed=seed) as (server, databases):
        assert not build.has_database(server, seed.dbname)  # first run: a miss
        fresh, _ = build.build_both(server, databases, history, schema, seed=seed)
        fresh_model = Views(server, scope).model(fresh)
    # Stopping the first server waited for the layer; the next run starts from it.
    with scratch_server(_cluster_backend(), seed=seed) as (server, databases):
        assert build.has_database(server, seed.dbname)
        cached, _ = build.build_both(server, databases, history, schema, seed=seed)
        cached_model = Views(server, scope).model(cached)
    assert _names(cached_model) == _names(fresh_model)
    assert statements(fresh_model, cached_model) == []
    assert statements(cached_model, fresh_model) == []


def _names(model) -> dict:
    return {kind: sorted(getattr(model, kind)) for kind in
            ("tables", "indexes", "enums", "rlspolicies", "constraints")}


def test_a_changed_migration_is_replayed_again(own_cache, tmp_path):
    history, schema = _project(tmp_path / "one", MIGRATIONS, SCHEMA)
    seed = build.replay_seed(history)
    with scratch_server(_cluster_backend(), seed=seed):
        pass  # builds the layer for these files
    edited = {**MIGRATIONS, "20250102000000_tags.sql": "create table public.labels (id int);\n"}
    history2, schema2 = _project(tmp_path / "two", edited, SCHEMA)
    seed2 = build.replay_seed(history2)
    with scratch_server(_cluster_backend(), seed=seed2) as (server, databases):
        assert not build.has_database(server, seed2.dbname)
        assert not build.has_database(server, seed.dbname)
        current, _ = build.build_both(server, databases, history2, schema2, seed=seed2)
        assert _tables(server, current) == ["items", "labels"]
    names = cache.entries()
    golden = goldens.golden_name(server.bindir)
    assert goldens.layer_name(golden, seed) in names
    assert goldens.layer_name(golden, seed2) in names
