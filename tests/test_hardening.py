"""Issue 17: nothing escapes the scratch database; a typo or an I/O error is a clear error.

One section per item of the issue; each test reproduced its defect on main before the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import supabase_cli
from cliproject import make_project, run, status, url_of
from schemadiff.apply import SqlFile, apply_sql, position, split_statements
from schemadiff.errors import SQLInputError

INIT = "20250101000000_init.sql"


@pytest.fixture
def url_env(server) -> dict[str, str]:
    return {"SCHEMADIFF_DATABASE_URL": url_of(server)}


def tables(server, dbname: str) -> set[str]:
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("select relname from pg_class where relnamespace = 'public'::regnamespace "
                        "and relname ~ '^a[0-9]'")
            return {row[0] for row in cur.fetchall()}
    finally:
        conn.close()


def ours(server, dbname: str, text: str) -> tuple[bool, int | None]:
    """Apply `text` with apply_sql: (succeeded, 0-based index of the failing statement)."""
    source = SqlFile(Path("m.sql"), text)
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_sql(conn, source)
    except SQLInputError as exc:
        line = int(re.match(r"m\.sql:(\d+):", exc.message)[1])
        lines = [position(text, st.offset)[0] for st in split_statements(source)]
        return False, lines.index(line)
    finally:
        conn.close()
    return True, None


# --- 1. transaction control: the Supabase CLI's semantics, never an escape -------------------

T = "create table public.{} (id int);\n"
CLI_CASES = {
    "one-transaction": T.format("a1") + T.format("a2") + "select 1/0;\n",
    "commit-ends-it": T.format("a1") + "commit;\n" + T.format("a2") + "select 1/0;\n",
    "begin-commit-then-fail": (T.format("a1") + "begin;\n" + T.format("a2") + "commit;\n"
                               + T.format("a3") + "select 1/0;\n"),
    "fail-inside-a-block": "begin;\n" + T.format("a1") + "select 1/0;\ncommit;\n",
    "commit-then-begin-fail": (T.format("a1") + "COMMIT;\nbegin;\n" + T.format("a2")
                               + "select 1/0;\n"),
    "rollback-alone": T.format("a1") + "rollback;\n" + T.format("a2"),
    "end-and-abort": T.format("a1") + "end;\n" + T.format("a2") + "abort;\nselect 1/0;\n",
    "concurrently": (T.format("a1") + "create index concurrently a1_i on public.a1 (id);\n"
                     + T.format("a2") + "select 1/0;\n"),
    "vacuum": T.format("a1") + "vacuum public.a1;\n" + T.format("a2") + "select 1/0;\n",
    "savepoint-is-not-control": T.format("a1") + "savepoint s;\n" + T.format("a2"),
    "all-good": "begin;\n" + T.format("a1") + "commit;\n" + T.format("a2"),
}


@pytest.mark.parametrize("text", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_replay_matches_the_supabase_cli(tmp_path, server, fresh_db, text):
    cli = supabase_cli.binary()
    if cli is None:
        pytest.skip(f"the Supabase CLI {supabase_cli.VERSION} is not installed "
                    f"(npm i -g supabase@{supabase_cli.VERSION})")
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "migrations" / INIT).write_text(text)
    theirs_db, ours_db = fresh_db("cli"), fresh_db("ours")
    expected = supabase_cli.migration_up(cli, tmp_path, server, theirs_db)
    assert ours(server, ours_db, text) == expected
    assert tables(server, ours_db) == tables(server, theirs_db)


def test_a_file_ending_inside_begin_is_an_error_not_a_silent_rollback(server, fresh_db):
    db = fresh_db()
    with pytest.raises(SQLInputError, match=r"m\.sql:2:1: this transaction is never committed"):
        apply_sql(server.connect(db, autocommit=False),
                  SqlFile(Path("m.sql"), T.format("a1") + "begin;\n" + T.format("a2")))
    assert tables(server, db) == {"a1"}


def test_commit_in_schema_cannot_drop_a_database_of_a_url_server(tmp_path, url_env, databases):
    victim = databases.create("victim")
    try:
        root = make_project(tmp_path, schema=f'commit;\ndrop database "{victim}";\n')
        done = run(root, "diff", "next", "--backend", "url", "-q", env=url_env)
        assert done.returncode == 5, done.stderr
        assert "schema.sql:2:1: refused on a shared server" in done.stderr
        assert "database" in done.stderr and "Traceback" not in done.stderr
        conn = databases.server.connect()
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (victim,))
            assert cur.fetchone() == (1,)
        conn.close()
        assert status(root) == ""
    finally:
        databases.drop(victim)


@pytest.mark.parametrize("statement", [
    "create database x", "alter database postgres set work_mem = '1MB'",
    "alter system set work_mem = '1MB'", "create tablespace t location '/tmp'",
    "drop tablespace t", "grant connect on database postgres to public", "drop role anon",
])
def test_statements_beyond_the_scratch_database_are_refused_on_url(server, fresh_db, statement):
    text = T.format("a1") + statement + ";\n"
    conn = server.connect(fresh_db(), autocommit=False)
    try:
        with pytest.raises(SQLInputError, match=r"^m\.sql:2:1: refused on a shared server"):
            apply_sql(conn, SqlFile(Path("m.sql"), text), shared_server=True)
        apply_sql(conn, SqlFile(Path("ok.sql"), T.format("a1")), shared_server=True)
    finally:
        conn.close()


def test_a_commit_then_a_failure_points_at_the_failure(tmp_path, url_env):
    root = make_project(tmp_path, schema="commit;\nselect 1/0;\n")
    done = run(root, "diff", "next", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 5
    assert "schema.sql:2:1: division by zero" in done.stderr, done.stderr
    assert "already exists" not in done.stderr


# --- 2. server-side programs and files ------------------------------------------------------


@pytest.mark.parametrize(("sql", "line", "what"), [
    ("copy public.a1 from program 'touch {marker}';", 2, "PROGRAM"),
    ("copy public.a1 to '{marker}';", 2, "a file"),
    ("select pg_read_file('/etc/hostname');", 2, "pg_read_file()"),
    ("select pg_catalog.lo_import('/etc/hostname');", 2, "lo_import()"),
    ("create view public.v as select pg_ls_dir('.') as f;", 2, "pg_ls_dir()"),
    ("create function public.f() returns void language plpgsql as $$\nbegin\n"
     "  copy public.a1 from program 'touch {marker}';\nend $$;", 4, "COPY ... PROGRAM"),
    ("do $$ begin execute 'copy public.a1 to ''{marker}'''; end $$;", 2, "server file"),
    ("create function public.g() returns text language sql as $$ "
     "select pg_read_binary_file('x')::text $$;", 2, "pg_read_binary_file()"),
], ids=["copy-program", "copy-to-file", "pg_read_file", "lo_import", "in-a-view",
        "in-plpgsql", "in-execute", "in-sql-body"])
def test_server_programs_and_files_are_refused_everywhere(tmp_path, url_env, sql, line, what):
    marker = tmp_path / "ran"
    schema = T.format("a1") + sql.format(marker=marker) + "\n"
    root = make_project(tmp_path / "p", schema=schema)
    for backend_env in (url_env,):
        done = run(root, "diff", "next", "--backend", "url", "-q", env=backend_env)
        assert done.returncode == 5, done.stderr
        assert f"schema.sql:{line}:" in done.stderr and "refused" in done.stderr, done.stderr
        assert what in done.stderr, done.stderr
    assert not marker.exists(), "the program ran"
    assert status(root) == ""


def test_server_files_are_refused_on_a_private_server_too(server, fresh_db, tmp_path):
    marker = tmp_path / "ran"
    conn = server.connect(fresh_db(), autocommit=False)
    try:
        with pytest.raises(SQLInputError, match=r"^m\.sql:1:1: refused: COPY"):
            apply_sql(conn, SqlFile(Path("m.sql"),
                                    f"copy (select 1) to program 'touch {marker}';\n"))
    finally:
        conn.close()
    assert not marker.exists()


def test_file_function_names_in_comments_and_strings_are_not_refused(server, fresh_db):
    text = (T.format("a1") + "-- we never call pg_read_file('x')\n"
            "comment on table public.a1 is 'copy from program is not used; nor lo_import(x)';\n")
    conn = server.connect(fresh_db(), autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path("m.sql"), text))
    finally:
        conn.close()
