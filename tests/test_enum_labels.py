"""Issue 18 item 9: a new enum label used in the same change (a default, a CHECK, a view, a
function, a reference row). Postgres refuses a label added in a transaction not yet
committed; the migration commits the labels first, in a transaction of their own, and
the real Supabase CLI applies it."""

from __future__ import annotations

from pathlib import Path

import pytest

import supabase_cli
from cliproject import make_project, run, url_of, write
from pgquery import query
from schemadiff.apply import apply_sql
from schemadiff.errors import SQLInputError
from schemadiff.sources import SqlFile

INIT = "20250101000000_init.sql"
BASE = """\
create type public.status as enum ('draft', 'live');
create table public.posts (id int primary key, status public.status not null default 'draft');
create table public.kinds (code text primary key, status public.status not null);
insert into public.kinds (code, status) values ('a', 'live');
"""
USES = """\
create type public.status as enum ('draft', 'live', 'archived');
create table public.posts (id int primary key,
  status public.status not null default 'archived',
  constraint archived_positive check (status <> 'archived' or id > 0));
create table public.kinds (code text primary key, status public.status not null);
insert into public.kinds (code, status) values ('a', 'live'), ('old', 'archived');
create view public.archived as select id from public.posts where status = 'archived';
create function public.retired() returns public.status language sql immutable
  as $$ select 'archived'::public.status $$;
"""


@pytest.fixture
def url_env(server) -> dict[str, str]:
    return {"SCHEMADIFF_DATABASE_URL": url_of(server)}


def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", schema=USES, migrations={INIT: BASE})
    write(root / "supabase" / "rollbacks" / INIT, "-- schemadiff: irreversible\n")
    return root


def new_files(root: Path) -> tuple[Path, Path]:
    (up,) = [p for p in (root / "supabase" / "migrations").glob("*.sql") if p.name != INIT]
    return up, root / "supabase" / "rollbacks" / up.name


def test_a_new_label_and_its_uses_in_one_change(tmp_path, server, fresh_db, url_env):
    root = project(tmp_path)
    done = run(root, "diff", "archive", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stderr
    up, down = new_files(root)
    lines = [line for line in up.read_text().splitlines()
             if line and not line.startswith("--")]
    # The label in a transaction of its own, committed before the one that uses it.
    assert lines[:5] == ["BEGIN;", "SET LOCAL lock_timeout = '5s';",
                         "SET LOCAL statement_timeout = '10min';",
                         """alter type "public"."status" add value if not exists 'archived' """
                         "after 'live';", "COMMIT;"]
    assert lines[5] == "BEGIN;" and lines[-1] == "COMMIT;"
    assert "__old_version_to_be_dropped" not in up.read_text()
    assert "__old_version_to_be_dropped" in down.read_text()  # a label cannot be dropped

    # The real CLI applies it, and records it.
    db = fresh_db("cli")
    assert supabase_cli.migration_up(supabase_cli.binary(), root, server, db) == (True, None)
    assert query(server, "select public.retired()::text, (select status::text from "
                         "public.kinds where code = 'old'), (select count(*) from "
                         "supabase_migrations.schema_migrations)", db) == [
        ("archived", "archived", 2)]
    # Both directions on the whole history: up, rollback (back to two labels), up again.
    verified = run(root, "verify", "--backend", "url", "-q", env=url_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert run(root, "check", "--backend", "url", "-q", env=url_env).returncode == 0


def test_the_rollback_returns_the_type_to_its_labels(tmp_path, server, fresh_db, url_env):
    root = project(tmp_path)
    assert run(root, "diff", "archive", "--backend", "url", "-q", env=url_env).returncode == 0
    up, down = new_files(root)
    db = fresh_db()
    conn = server.connect(db, autocommit=False)
    try:
        for path in (root / "supabase" / "migrations" / INIT, up, down):
            apply_sql(conn, SqlFile(path, path.read_text()))
    finally:
        conn.close()
    assert query(server, "select enum_range(null::public.status)::text, "
                         "to_regclass('public.archived') is null", db) == [("{draft,live}", True)]


def test_when_the_rest_fails_the_label_stays_and_the_file_runs_again(tmp_path, server,
                                                                    fresh_db, url_env):
    root = project(tmp_path)
    assert run(root, "diff", "archive", "--backend", "url", "-q", env=url_env).returncode == 0
    up, _ = new_files(root)
    db = fresh_db()
    conn = server.connect(db, autocommit=False)
    try:
        init = root / "supabase" / "migrations" / INIT
        apply_sql(conn, SqlFile(init, init.read_text()))
        # A table in the view's way: the second transaction fails as a whole.
        with conn.cursor() as cur:
            cur.execute("create table public.archived (x int)")
        conn.commit()
        with pytest.raises(SQLInputError, match='"archived" is not a view'):
            apply_sql(conn, SqlFile(up, up.read_text()))
        assert query(server, "select enum_range(null::public.status)::text, (select "
                             "column_default from information_schema.columns where table_name "
                             "= 'posts' and column_name = 'status')", db) == [
            ("{draft,live,archived}", "'draft'::status")]
        with conn.cursor() as cur:
            cur.execute("drop table public.archived")
        conn.commit()
        apply_sql(conn, SqlFile(up, up.read_text()))
    finally:
        conn.close()
    assert query(server, "select to_regclass('public.archived') is not null", db) == [(True,)]


def test_a_declared_rename_runs_first_in_a_transaction_of_its_own(tmp_path, server, fresh_db,
                                                                  url_env):
    schema = USES.replace("create table public.posts (id int primary key,",
                          "-- schemadiff: renamed from posts\n"
                          "create table public.articles (id int primary key,").replace(
        "from public.posts", "from public.articles")
    root = make_project(tmp_path / "p", schema=schema, migrations={INIT: BASE})
    write(root / "supabase" / "rollbacks" / INIT, "-- schemadiff: irreversible\n")
    done = run(root, "diff", "rename_and_archive", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stderr
    up, _ = new_files(root)
    lines = [line for line in up.read_text().splitlines()
             if line and not line.startswith("--")]
    first = lines.index("COMMIT;")
    assert lines[0] == "BEGIN;" and all("RENAME TO" in line for line in lines[3:first])
    assert lines[first + 1] == "BEGIN;"
    assert "add value if not exists 'archived'" in lines[first + 4]
    db = fresh_db("cli")
    assert supabase_cli.migration_up(supabase_cli.binary(), root, server, db) == (True, None)
    verified = run(root, "verify", "--backend", "url", "-q", env=url_env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
