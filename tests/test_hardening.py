"""Issue 17: nothing escapes the scratch database; a typo or an I/O error is a clear error.

One section per item of the issue; each test reproduced its defect on main before the fix.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import supabase_cli
from cliproject import (
    cli_env,
    command,
    git,
    leftovers,
    make_project,
    run,
    status,
    tmp_env,
    url_of,
)
from schemadiff.apply import apply_sql
from schemadiff.errors import SQLInputError
from schemadiff.sources import SqlFile, position, split_statements
from tcp_relay import tcp_relay

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
    ("load '/tmp/evil.so';", 2, "loads a library"),
    ("create function public.c() returns int as '/tmp/evil.so', 'c' language c;", 2,
     "LANGUAGE C"),
], ids=["copy-program", "copy-to-file", "pg_read_file", "lo_import", "in-a-view",
        "in-plpgsql", "in-execute", "in-sql-body", "load", "language-c"])
def test_server_programs_and_files_are_refused_everywhere(tmp_path, url_env, private_temp, sql,
                                                        line, what):
    drop = private_temp / "drop"
    drop.mkdir(mode=0o777)
    drop.chmod(0o777)  # the server's account (nobody, under root) could write here
    marker = drop / "ran"
    schema = T.format("a1") + sql.format(marker=marker) + "\n"
    root = make_project(tmp_path / "p", schema=schema)
    done = run(root, "diff", "next", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 5, done.stderr
    assert f"schema.sql:{line}:" in done.stderr and "refused" in done.stderr, done.stderr
    assert what in done.stderr, done.stderr
    assert not marker.exists(), "the program ran"
    assert status(root) == ""


def test_server_files_are_refused_on_a_private_server_too(server, fresh_db, private_temp):
    drop = private_temp / "drop"
    drop.mkdir(mode=0o777)
    drop.chmod(0o777)
    marker = drop / "ran"
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


# --- 3. roles on a shared server: never altered, never left behind --------------------------


def query(server, sql_text: str, params=None):
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(sql_text, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def test_existing_roles_are_left_as_they_are_and_a_difference_is_said(tmp_path, server, url_env):
    # As on a server whose roles were not made by our platform SQL (its mark removed).
    query(server, "alter role service_role nobypassrls")
    query(server, "revoke anon from authenticator")
    query(server, "comment on role authenticator is null")
    try:
        root = make_project(tmp_path)
        done = run(root, "check", "--backend", "url", "--json", env=url_env)
        assert done.returncode == 1, done.stderr  # pending: the project has no migration yet
        notes = json.loads(done.stdout)["scratch_notes"]
        assert any("role service_role exists on this server but differs" in n
                   and "BYPASSRLS" in n for n in notes), notes
        assert "role service_role exists on this server but differs" in done.stderr
        assert query(server, "select rolbypassrls from pg_roles "
                             "where rolname = 'service_role'") == [(False,)]
        assert query(server, "select count(*) from pg_auth_members where member = "
                             "'authenticator'::regrole and roleid = 'anon'::regrole") == [(0,)]
    finally:
        query(server, "alter role service_role bypassrls")
        query(server, "grant anon to authenticator")
        query(server, "comment on role authenticator is 'schemadiff platform shim'")


ROLE_MIGRATION = ("create role sd_app_reader nologin;\n"
                  "create table public.widgets (id int primary key, name text not null);\n"
                  "grant select on public.widgets to sd_app_reader;\n")


def test_roles_created_by_user_sql_do_not_outlive_the_run(tmp_path, server, url_env):
    root = make_project(tmp_path, schema=ROLE_MIGRATION.replace("sd_app_reader", "sd_app_r2"),
                        migrations={INIT: ROLE_MIGRATION})
    for attempt in (1, 2):  # the second run used to fail "role ... already exists"
        done = run(root, "check", "--backend", "url", "-q", env=url_env)
        assert done.returncode in (0, 1), f"run {attempt}: {done.stderr}"
        assert "already exists" not in done.stderr
        assert query(server, "select rolname from pg_roles where rolname like 'sd_app_r%'") == []


# --- 4. managed schemas that exist nowhere ----------------------------------------------------


@pytest.mark.parametrize(("schemas", "message"), [
    ('["pubilc"]', "'pubilc', which neither the migrations nor schema.sql create"),
    ("[]", "schemas is empty"),
    ('["public", "Public"]', "'Public', which neither"),
], ids=["typo", "empty", "wrong-case"])
@pytest.mark.parametrize("command", ["check", "diff"])
def test_a_managed_schema_that_exists_nowhere_is_a_config_error(tmp_path, url_env, schemas,
                                                                message, command):
    root = make_project(tmp_path, pyproject=f"[tool.schemadiff]\nschemas = {schemas}\n")
    done = run(root, command, *(["next"] if command == "diff" else []), "--backend", "url",
               "-q", env=url_env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and "pyproject.toml" in done.stderr
    assert "In sync" not in done.stdout and "No difference" not in done.stdout
    assert status(root) == ""


# --- 5. checksums: a deleted or emptied sum file hides nothing ------------------------------


def _released(tmp_path: Path, url_env) -> Path:
    root = make_project(tmp_path)
    done = run(root, "diff", "init", "--version", "20250101000000", "--backend", "url", "-q",
               env=url_env)
    assert done.returncode == 0, done.stderr
    git(root, "add", "-A")
    git(root, "commit", "-qm", "released")
    return root


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_edited_migrations_are_caught_without_the_sum_file(tmp_path, url_env, damage):
    root = _released(tmp_path, url_env)
    sums = root / "supabase" / "schemadiff.sum"
    if damage == "deleted":
        sums.unlink()
    else:
        sums.write_text("")
    migration = root / "supabase" / "migrations" / "20250101000000_init.sql"
    migration.write_text(migration.read_text() + "create table public.sneaky (id int);\n")
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 1, done.stderr
    assert "20250101000000_init.sql: written by schemadiff, but schemadiff.sum records no " \
           "checksum" in done.stderr
    assert "schemadiff hash" in done.stderr


def test_hash_records_an_adopted_history_on_purpose(tmp_path, url_env):
    root = make_project(tmp_path, migrations={INIT: "create table public.widgets "
                                                    "(id int primary key, name text not null);\n"})
    hashed = run(root, "hash", env=url_env)
    assert hashed.returncode == 0, hashed.stderr
    assert "Recorded 1 checksum(s) in supabase/schemadiff.sum" in hashed.stdout
    assert run(root, "check", "--backend", "url", "-q", env=url_env).returncode == 0
    migration = root / "supabase" / "migrations" / INIT
    migration.write_text(migration.read_text() + "-- edited\n")
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 1 and "changed after it was generated" in done.stderr


def test_a_new_unrecorded_migration_names_the_hash_command(tmp_path, url_env):
    root = _released(tmp_path, url_env)
    extra = root / "supabase" / "migrations" / "20250102000000_extra.sql"
    extra.write_text("create table public.extra (id int);\n")
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 1
    assert "20250102000000_extra.sql: has no checksum in schemadiff.sum" in done.stderr
    assert "schemadiff hash" in done.stderr


# --- 6. a migration file's version may not sort after every migration written from now on ---
# (The Supabase CLI applies any `<digits>_<name>.sql`, dates or not: real histories hold
# `20260401006000` and `00000000000000_baseline.sql`; see test_errors.py.)


@pytest.mark.parametrize("version", ["99999999999999", "30000101000000", "29991301000000"])
def test_a_migration_file_with_a_version_sorting_after_now_is_refused(tmp_path, url_env, version):
    root = make_project(tmp_path, migrations={f"{version}_x.sql": "select 1;\n"})
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 2, done.stderr
    assert f"{version}_x.sql: version {version} sorts after now" in done.stderr


# --- 7. auto says which backend it used, and why the url was passed over --------------------


def test_auto_says_why_it_passed_over_the_url(tmp_path):
    root = make_project(tmp_path)
    env = {"SCHEMADIFF_DATABASE_URL": "postgresql://someone:Zq8xS3cret@127.0.0.1:1/app"}
    done = run(root, "check", "--json", env=env)
    assert done.returncode == 1, done.stderr  # pending: the project has no migration yet
    notes = json.loads(done.stdout)["scratch_notes"]
    used = [n for n in notes if n.startswith("scratch Postgres: the ")]
    assert len(used) == 1 and "passed over url: cannot connect to " \
        "postgresql://someone:***@127.0.0.1:1/app" in used[0], notes
    assert used[0] in done.stderr
    assert "Zq8xS3cret" not in done.stdout + done.stderr


# --- 8. URL parameters reach libpq -------------------------------------------------------------


def test_url_parameters_reach_libpq(tmp_path, server):
    root = make_project(tmp_path)
    with tcp_relay(f"{server.host}/.s.PGSQL.{server.port}") as port:
        base = f"postgresql://{server.user}@127.0.0.1:{port}/{server.admin_db}"
        required = run(root, "check", "--backend", "url", "-q",
                       env={"SCHEMADIFF_DATABASE_URL": base + "?sslmode=require"})
        plain = run(root, "check", "--backend", "url", "-q",
                    env={"SCHEMADIFF_DATABASE_URL": base + "?sslmode=disable"})
    assert required.returncode == 4, required.stderr
    assert "SSL" in required.stderr
    assert plain.returncode == 1 and "pending statement" in plain.stderr, plain.stderr  # it ran


# --- 9. passwords in libpq key=value strings --------------------------------------------------


@pytest.mark.parametrize(("given", "shown"), [
    ("host=db password=s3cret user=u", "host=db password=*** user=u"),
    ("host=db password='s3 cr\\'et' user=u", "host=db password=*** user=u"),
    ("host=db PASSWORD = s3cret", "host=db PASSWORD = ***"),
])
def test_redact_hides_the_password_of_a_keyword_string(given, shown):
    from schemadiff.scratch.url import redact

    assert redact(given) == shown


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_keyword_string_password_never_shows(tmp_path, as_json):
    root = make_project(tmp_path)
    env = {"SCHEMADIFF_DATABASE_URL": f"host={tmp_path}/nowhere port=5432 user=u "
                                      "password=Zq8xS3cretT0ken dbname=postgres"}
    done = run(root, "check", "--backend", "url", *(["--json"] if as_json else []), env=env)
    assert done.returncode == 4, done.stderr
    assert "password=***" in done.stderr
    assert "Zq8xS3cretT0ken" not in done.stdout + done.stderr


# --- 10. url backend: interrupted and killed runs leave no database or role -----------------


def _history_project(tmp_path: Path, count: int = 6, role: bool = False) -> Path:
    migrations = {}
    for n in range(count):
        create = f"create table public.t{n} (id int primary key, v text);\n"
        if role and n == 0:
            create = "create role sd_killed_role nologin;\n" + create
        migrations[f"2025010100000{n}_t{n}.sql"] = create
    schema = "".join(text for text in migrations.values())
    root = make_project(tmp_path, schema=schema, migrations=migrations)
    for n in range(count):
        path = root / "supabase" / "rollbacks" / f"2025010100000{n}_t{n}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"drop table public.t{n};\n" + ("drop role sd_killed_role;\n"
                                                        if role and n == 0 else ""))
    return root


def _ours(server) -> set[str]:
    return {row[0] for row in query(server, "select datname from pg_database "
                                            "where datname like 'schemadiff\\_%'")}


def _start(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(command(*args), cwd=root, env=cli_env(env), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _first_database_of(proc: subprocess.Popen, server, before: set[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        new = _ours(server) - before
        if new:
            return sorted(new)[0]
        time.sleep(0.005)
    pytest.fail("the run created no database")


@pytest.mark.parametrize("delay", [0.0, 0.03, 0.08, 0.15, 0.3])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_url_run_leaves_no_database(tmp_path, server, url_env, signum, delay):
    root = _history_project(tmp_path)
    before = _ours(server)
    proc = _start(root, url_env, "verify", "--backend", "url", "-q")
    try:
        prefix = _first_database_of(proc, server, before)[: len("schemadiff_12345678_")]
        time.sleep(delay)
        proc.send_signal(signum)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130)
    assert not [name for name in _ours(server) if name.startswith(prefix)]


@pytest.mark.parametrize("cleaner", ["next run", "cache clear"])
def test_what_a_killed_url_run_left_is_removed(tmp_path, server, url_env, private_temp,
                                               cleaner):
    root = _history_project(tmp_path, role=True)
    before = _ours(server)
    proc = _start(root, url_env, "verify", "--backend", "url", "-q")
    try:
        prefix = _first_database_of(proc, server, before)[: len("schemadiff_12345678_")]
        deadline = time.monotonic() + 60
        while not query(server, "select 1 from pg_roles where rolname = 'sd_killed_role'"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.005)
        time.sleep(0.1)  # the mark is written once the file is applied
    finally:
        proc.kill()
        proc.wait()
    assert [name for name in _ours(server) if name.startswith(prefix)], "nothing was left"
    env = {**url_env, **tmp_env(private_temp), "SCHEMADIFF_CACHE_DIR": str(private_temp)}
    if cleaner == "next run":
        done = run(make_project(tmp_path / "other"), "check", "--backend", "url", env=env)
        assert "removed" in done.stderr and "killed" in done.stderr, done.stderr
    else:
        done = run(root, "cache", "clear", env=env)
        assert done.returncode == 0, done.stderr
        assert "that killed runs left" in done.stdout
    assert not [name for name in _ours(server) if name.startswith(prefix)]
    assert not query(server, "select 1 from pg_roles where rolname = 'sd_killed_role'")


# --- 11. a run killed while the cluster archive unpacks leaves no run directory --------------


def _pids_with(text: str, program: str = "") -> list[int]:
    """Processes whose command line holds `text` (and starts with `program`: a child
    forked from a Python that names `text` holds it too until it execs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in line and line.startswith(program):
                found.append(int(entry.name))
    return found


def test_tar_dies_with_a_killed_run(tmp_path):
    fifo = tmp_path / "archive.fifo"
    os.mkfifo(fifo)  # tar blocks reading it, as if unpacking a big archive
    (tmp_path / "dest").mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", "from schemadiff.scratch.cache import _tar; "
         f"_tar('-x', '-f', {str(fifo)!r}, '-C', {str(tmp_path / 'dest')!r})"],
        env=cli_env())
    try:
        deadline = time.monotonic() + 30
        while not _pids_with(str(fifo), "tar "):
            assert time.monotonic() < deadline, "tar did not start"
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 5
    while [p for p in _pids_with(str(fifo)) if p != child.pid] and time.monotonic() < deadline:
        time.sleep(0.02)
    survivors = [p for p in _pids_with(str(fifo)) if p != child.pid]
    for pid in survivors:  # the tar this test started, by pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not survivors, "tar outlived its run"


def test_runs_killed_while_the_cluster_unpacks_leave_no_run_directory(tmp_path, private_temp):
    root = make_project(tmp_path)
    env = tmp_env(private_temp)
    assert run(root, "check", "--backend", "local", "-q", env=env).returncode == 1  # warm cache
    for delay in [0.15 + 0.05 * i for i in range(8)]:  # across the unpack
        proc = _start(root, env, "check", "--backend", "local", "-q")
        time.sleep(delay)
        proc.kill()
        proc.communicate()
    done = run(root, "check", "--backend", "local", "-q", env=env)  # reaps what they left
    assert done.returncode == 1, done.stderr
    deadline = time.monotonic() + 10
    while leftovers(private_temp) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(private_temp) == []


def test_a_run_directory_without_its_owner_file_is_reaped_once_idle(private_temp):
    from schemadiff.scratch import leftovers

    stale = private_temp / "schemadiff-abc123"
    (stale / "data" / "base").mkdir(parents=True)  # what tar wrote after the owner file went
    busy = private_temp / "schemadiff-def456"
    (busy / "data").mkdir(parents=True)
    fresh = private_temp / "schemadiff-ghi789"  # a run between mkdtemp and its claim
    fresh.mkdir()
    old = time.time() - 2 * leftovers.ORPHAN_AGE_S
    for path in (stale, busy):
        os.utime(path, (old, old))
    worker = subprocess.Popen(["sleep", "60"], cwd=busy / "data")
    try:
        leftovers.reap(private_temp)
        assert not stale.exists()
        assert busy.exists(), "a directory something works in was removed"
        assert fresh.exists()
    finally:
        worker.kill()
        worker.wait()
    leftovers.reap(private_temp)
    assert not busy.exists()


# --- 12. environment errors: read-only migrations dir, full disk ----------------------------


@contextlib.contextmanager
def mounted_tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_read_only_migrations_directory_is_an_environment_error(tmp_path, url_env):
    root = make_project(tmp_path)
    with mounted_tmpfs(root / "supabase" / "migrations", "ro,mode=0755"):
        done = run(root, "diff", "init", "--backend", "url", "-q", env=url_env)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "cannot write" in done.stderr and "Read-only file system" in done.stderr
        assert "nothing was written" in done.stderr
        assert not list((root / "supabase").rglob("*.sql"))
        assert not (root / "supabase" / "schemadiff.sum").exists()


FULL_DISK = {
    # WAL that cannot be written stops the server; data that cannot be written fails
    # the statement (SQLSTATE 53100) and the server goes on.
    "server-stops": "".join(f"create table public.t{n} (id int primary key, v text);\n"
                            for n in range(50)),
    "statement-fails": ("create unlogged table public.big as\n"
                        "  select md5(g::text) || md5((g + 1)::text) as v\n"
                        "  from generate_series(1, 3000000) as g;\n"),
}
FULL_DISK_SIZE = {"server-stops": "46m", "statement-fails": "90m"}


@pytest.mark.parametrize("case", FULL_DISK)
def test_a_full_disk_under_the_scratch_server_is_an_environment_error(tmp_path, private_temp,
                                                                      case):
    schema = FULL_DISK[case]
    root = make_project(tmp_path, schema=schema)
    # The cached cluster is built first, so that the run below fails creating databases.
    warm = run(make_project(private_temp / "warm"), "check", "--backend", "local", "-q",
               env=tmp_env(private_temp))
    assert warm.returncode == 1, warm.stderr
    with mounted_tmpfs(private_temp / "small", f"size={FULL_DISK_SIZE[case]},mode=0755") as small:
        done = run(root, "check", "--backend", "local", "-q",
                   env={"SCHEMADIFF_TMPDIR": str(small)})
        assert done.returncode == 4, done.stderr
        assert "Traceback" not in done.stderr
        assert "disk" in done.stderr and "nothing was written" in done.stderr, done.stderr
        if "unlogged" in schema:
            assert "the scratch Postgres cannot go on" in done.stderr, done.stderr
        assert not [p for p in small.iterdir() if p.name.startswith("schemadiff-")]
    assert status(root) == ""
