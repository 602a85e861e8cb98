"""Issue 18 item 8: indexes on tables in use are built CONCURRENTLY, and the Supabase CLI
applies such migrations (the real CLI, npm `supabase` 3.1.0, is the oracle)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import supabase_cli
from cliproject import make_project, run, url_of, write
from pgquery import query

INIT = "20250101000000_init.sql"
BASE = ("create table public.widgets (id int primary key, name text not null, "
        "size int);\n")
SCHEMA = (BASE
          + "create index widgets_name on public.widgets (name);\n"
          + "create table public.parts (id int primary key, widget int not null "
          "references public.widgets (id));\n"
          + "create index parts_widget on public.parts (widget);\n")


@pytest.fixture
def url_env(server) -> dict[str, str]:
    return {"SCHEMADIFF_DATABASE_URL": url_of(server)}


def written(root: Path, kind: str) -> str:
    (path,) = [p for p in (root / "supabase" / kind).glob("*.sql") if p.name != INIT]
    return path.read_text()


def statements(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("--")]


def indexes(server, db: str) -> list[tuple[str, bool]]:
    return query(server, "select c.relname::text, i.indisvalid from pg_index i join pg_class c "
                         "on c.oid = i.indexrelid where c.relnamespace = 'public'::regnamespace "
                         "and not i.indisprimary order by 1", db)


def test_an_index_on_an_existing_table_is_built_concurrently_and_the_cli_applies_it(
        tmp_path, server, fresh_db, url_env):
    root = make_project(tmp_path / "p", schema=SCHEMA, migrations={INIT: BASE})
    write(root / "supabase" / "rollbacks" / INIT, "-- schemadiff: irreversible\n")
    done = run(root, "diff", "add_indexes", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stderr
    up, down = written(root, "migrations"), written(root, "rollbacks")
    lines = statements(up)
    # The existing table's index, last and on its own; the new table's, in the transaction.
    assert lines[-1] == ("CREATE INDEX CONCURRENTLY widgets_name ON public.widgets "
                         "USING btree (name);")
    assert "CREATE INDEX parts_widget ON public.parts USING btree (widget);" in lines
    assert lines.index("SET LOCAL lock_timeout = '5s';") == 0
    assert "migration repair --status applied" in up  # what to do with an INVALID index
    # The rollback drops it concurrently, before its transaction and its timeouts.
    assert statements(down)[0] == 'DROP INDEX CONCURRENTLY IF EXISTS "public"."widgets_name";'
    assert statements(down)[1] == "SET LOCAL lock_timeout = '5s';"

    cli = supabase_cli.binary()
    db = fresh_db("cli")
    assert supabase_cli.migration_up(cli, root, server, db) == (True, None)
    assert indexes(server, db) == [("parts_widget", True), ("widgets_name", True)]
    recorded = query(server, "select count(*) from supabase_migrations.schema_migrations", db)
    assert recorded == [(2,)]
    # The history now builds schema.sql exactly, rollbacks included.
    verified = run(root, "verify", "--backend", "url", "-q", env=url_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_unique_index_an_upsert_or_foreign_key_needs_stays_in_the_transaction(
        tmp_path, url_env):
    schema = (BASE + "create unique index widgets_size on public.widgets (size);\n"
              "create table public.sizes (size int references public.widgets (size));\n")
    root = make_project(tmp_path / "p", schema=schema, migrations={INIT: BASE})
    done = run(root, "diff", "fk", "--backend", "url", "-q", "--allow-data-dependent",
               env=url_env)
    assert done.returncode == 0, done.stderr
    up = written(root, "migrations")
    assert "CONCURRENTLY" not in up
    assert "CREATE UNIQUE INDEX widgets_size ON public.widgets" in up


def test_create_index_concurrently_in_schema_sql_is_accepted(tmp_path, url_env):
    schema = BASE + "create index concurrently widgets_name on public.widgets (name);\n"
    root = make_project(tmp_path / "p", schema=schema, migrations={INIT: BASE})
    done = run(root, "diff", "idx", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^CREATE INDEX CONCURRENTLY widgets_name ON public\.widgets",
                     written(root, "migrations"), re.MULTILINE)
    assert run(root, "check", "--backend", "url", "-q", env=url_env).returncode == 0


def test_a_failed_concurrent_build_leaves_what_the_cli_leaves(tmp_path, server, fresh_db):
    """What came before stays, the index is left INVALID, the migration is not recorded:
    our apply (the proof's and verify's) and the CLI agree."""
    from schemadiff.apply import apply_sql
    from schemadiff.errors import SQLInputError
    from schemadiff.sources import SqlFile

    text = ("create table public.a1 (id int);\ninsert into public.a1 values (1), (1);\n"
            "create unique index concurrently a1_u on public.a1 (id);\n"
            "create table public.a2 (id int);\n")
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "migrations" / INIT).write_text(text)
    theirs, ours = fresh_db("cli"), fresh_db("ours")
    assert supabase_cli.migration_up(supabase_cli.binary(), tmp_path, server, theirs) == (
        False, 2)
    conn = server.connect(ours, autocommit=False)
    try:
        with pytest.raises(SQLInputError, match=r"m\.sql:3:1: could not create unique index"):
            apply_sql(conn, SqlFile(Path("m.sql"), text))
    finally:
        conn.close()
    for db in (theirs, ours):
        assert indexes(server, db) == [("a1_u", False)]
        assert query(server, "select to_regclass('public.a2') is null, count(*) from public.a1",
                     db) == [(True, 2)]
