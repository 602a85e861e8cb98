"""Bad input, through the real CLI: a clear message naming file:line, exit != 0, nothing written.

Each case is a small project in a git repository; after the failed run `git status`
must show nothing: no migration, no rollback, no checksum file, no lock file.
Runs use the `url` backend against the session's scratch server (one server for all),
except the one that kills its server, which starts its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cliproject import (
    TABLE,
    cli_env,
    command,
    leftovers,
    make_project,
    processes_under,
    run,
    shared_memory_files,
    status,
    tmp_env,
    url_of,
)
from schemadiff.apply import apply_sql
from schemadiff.errors import SQLInputError
from schemadiff.sources import SqlFile

INIT = "20250101000000_init.sql"
INIT_PATH = f"supabase/migrations/{INIT}"


@pytest.fixture
def url_env(server) -> dict[str, str]:
    return {"SCHEMADIFF_DATABASE_URL": url_of(server)}


def diff(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run(root, "diff", *(args or ("next",)), "--backend", "url", "-q", env=env)


def assert_refused(done: subprocess.CompletedProcess[str], code: int, where: str,
                   root: Path) -> None:
    assert done.returncode == code, done.stdout + done.stderr
    assert where in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert status(root) == "", "the failed run changed the work tree"


# --- SQL that does not parse ------------------------------------------------------------


def test_syntax_error_in_schema_points_at_line_and_column(tmp_path, url_env):
    root = make_project(tmp_path, TABLE + "\n-- next\ncreate table public.b (id int,, x int);\n")
    done = diff(root, url_env)
    assert_refused(done, 5, "schema.sql:4:31: syntax error at or near \",\"", root)
    # The offending line, then a caret under column 31.
    assert "  create table public.b (id int,, x int);\n" + " " * 32 + "^" in done.stderr


def test_syntax_error_in_a_migration_names_the_migration(tmp_path, url_env):
    root = make_project(tmp_path, migrations={INIT: "create table public.a (id int);\ncreat x;\n"})
    done = diff(root, url_env)
    assert_refused(done, 5, f"{INIT_PATH}:2:1: syntax error at or near \"creat\"", root)


# --- SQL that parses but fails on apply ----------------------------------------------------


@pytest.mark.parametrize(("sql", "where", "message"), [
    # At the missing name itself, not the statement's start.
    pytest.param("create index w_idx on public.gadgets (id);\n", "schema.sql:2:23",
                 'relation "public.gadgets" does not exist', id="missing-table"),
    pytest.param("create table public.b (id int default public.next_id());\n",
                 "schema.sql:2:39", "function public.next_id() does not exist",
                 id="missing-function"),
    pytest.param("create table public.c (w int references public.later (id));\n"
                 "create table public.later (id int primary key);\n",
                 "schema.sql:2:", 'relation "public.later" does not exist', id="wrong-order"),
])
def test_statement_failing_on_apply_points_at_it(tmp_path, url_env, sql, where, message):
    root = make_project(tmp_path, TABLE + sql)
    done = diff(root, url_env)
    assert_refused(done, 5, f"{where}", root)
    assert message in done.stderr
    assert "fix: " in done.stderr, "no advice on what to do"


def test_migration_failing_on_apply_names_the_migration(tmp_path, url_env):
    root = make_project(tmp_path, migrations={
        INIT: "create table public.a (id int);\n\nalter table public.nope add column x int;\n",
    })
    done = diff(root, url_env)
    assert_refused(done, 5, f"{INIT_PATH}:3:", root)
    assert 'relation "public.nope" does not exist' in done.stderr


def test_a_migration_failing_halfway_leaves_nothing_applied(server, fresh_db):
    db = fresh_db("halfway")
    text = ("create table public.first_half (id int);\n"
            "insert into public.first_half values (1);\n"
            "insert into public.first_half values ('not a number');\n")
    conn = server.connect(db, autocommit=False)
    try:
        with pytest.raises(SQLInputError) as raised:
            apply_sql(conn, SqlFile(Path("halfway.sql"), text))
    finally:
        conn.close()
    assert "halfway.sql:3:" in raised.value.message
    check = server.connect(db)
    try:
        with check.cursor() as cur:
            cur.execute("select to_regclass('public.first_half')")
            assert cur.fetchone() == (None,)
    finally:
        check.close()


# --- files that are empty, missing, or not SQL ----------------------------------------------


@pytest.mark.parametrize("content", ["", "   \n\n", "-- nothing yet\n/* still nothing */\n"],
                         ids=["empty", "blank", "comments-only"])
def test_empty_schema_is_refused_not_read_as_drop_everything(tmp_path, url_env, content):
    root = make_project(tmp_path, content, migrations={INIT: TABLE})
    done = diff(root, url_env)
    assert_refused(done, 5, "schema.sql: holds no SQL statement", root)
    assert "drop everything" in done.stderr


def test_missing_schema_is_refused(tmp_path, url_env):
    root = make_project(tmp_path, None, migrations={INIT: TABLE})
    done = diff(root, url_env)
    assert_refused(done, 5, "schema.sql: file not found", root)


def test_non_utf8_schema_names_the_line(tmp_path, url_env):
    root = make_project(tmp_path, TABLE.encode() + b"-- caf\xe9\ncreate table public.b (id int);\n")
    done = diff(root, url_env)
    assert_refused(done, 5, "schema.sql:2: not valid UTF-8 (byte 0xe9", root)
    assert "Save the file as UTF-8" in done.stderr


def test_non_utf8_migration_names_the_file_and_line(tmp_path, url_env):
    bad = b"\n\ncreate table t (n text default '\xff');\n"
    root = make_project(tmp_path, migrations={INIT: bad})
    done = diff(root, url_env)
    assert_refused(done, 5, f"{INIT_PATH}:3: not valid UTF-8 (byte 0xff", root)


@pytest.mark.parametrize("meta", ["\\i tables/widgets.sql", "\\ir more.sql",
                                  "\\set ON_ERROR_STOP 1"])
def test_psql_meta_commands_are_rejected_clearly(tmp_path, url_env, meta):
    root = make_project(tmp_path, TABLE + meta + "\n")
    done = diff(root, url_env)
    assert_refused(done, 5, "schema.sql:2:1:", root)
    assert "psql meta-commands" in done.stderr
    assert "Inline the included file" in done.stderr


def test_a_schema_dumped_by_a_recent_pg_dump_loads_despite_its_restrict_lines(
        tmp_path, url_env):
    # pg_dump since 17.6/16.10/15.14 wraps its output in \restrict KEY … \unrestrict KEY.
    dumped = ("\\restrict Ab3dEf9\n\nSET check_function_bodies = false;\n\n" + TABLE
              + "\n\\unrestrict Ab3dEf9\n")
    root = make_project(tmp_path, dumped)
    done = diff(root, url_env)
    assert done.returncode == 0, done.stderr
    # Any other backslash command is still refused, at its line.
    other = make_project(tmp_path / "other",
                         dumped.replace("SET check", "\\set x 1\nSET check"))
    assert_refused(diff(other, url_env), 5, "schema.sql:3:1:", other)


# --- names, versions and config ---------------------------------------------------------------


# Names the Supabase CLI skips (its pattern is `^([0-9]+)_(.*)\.sql$`): applied by neither.
@pytest.mark.parametrize("name", ["init.sql", "20250101000000-init.sql", "v1_init.sql",
                                  "20250101000000.sql", "20250101000000_init.SQL"])
def test_misnamed_migration_file_is_refused(tmp_path, url_env, name):
    root = make_project(tmp_path, migrations={name: TABLE})
    done = diff(root, url_env)
    assert_refused(done, 2, f"supabase/migrations/{name}: migration file name must match", root)


def test_history_named_as_loosely_as_the_supabase_cli_accepts_replays_in_file_name_order(
        tmp_path, url_env):
    # Real app histories: a placeholder baseline version, short versions, capitals and
    # hyphens in names. The CLI applies them in file-name order: "10_…" before "1_…"
    # ('0' sorts before '_'), so the CHECK finds its column.
    size = "alter table public.widgets add column size int;\n"
    check = "alter table public.widgets add constraint widgets_size check (size > 0);\n"
    root = make_project(tmp_path, TABLE + size + check, migrations={
        "00000000000000_Baseline.sql": TABLE,
        "10_Add-Size.sql": size,
        "1_size check.sql": check,
        "20250101006000_minute_sixty.sql": "select 1;\n",
    })
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_first_legacy_init_file_is_skipped_as_the_supabase_cli_skips_it(tmp_path, url_env):
    # An old CLI wrote the remote's dump as `<timestamp before 20211209000000>_init.sql`;
    # the CLI skips it when it comes first. Replayed, the table would be created twice.
    root = make_project(tmp_path, TABLE, migrations={
        "20211208000000_init.sql": TABLE,
        "20211210000000_widgets.sql": TABLE,
        "README.md": "How to add a migration.\n",  # not SQL: skipped, as the CLI skips it
    })
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_migrations_with_one_version_are_refused(tmp_path, url_env):
    root = make_project(tmp_path, migrations={
        "20250101000000_a.sql": TABLE, "20250101000000_b.sql": "select 1;\n",
    })
    done = diff(root, url_env)
    assert_refused(done, 2, "20250101000000_b.sql: version 20250101000000 is also used by "
                            "20250101000000_a.sql", root)


@pytest.mark.parametrize("name", ["Add-Items", "add items", "über", "x;rm -rf", ""])
def test_bad_migration_name_is_refused(tmp_path, url_env, name):
    root = make_project(tmp_path)
    done = diff(root, url_env, name)
    assert_refused(done, 2, "may hold only lowercase letters, digits and underscores", root)


@pytest.mark.parametrize(("version", "message"), [
    ("20240101000000", "does not sort after the newest migration 20250101000000_init.sql"),
    ("20250101000000", "does not sort after the newest migration 20250101000000_init.sql"),
    ("2025", "must be 14 digits"),
    ("20251301000000", "is not a valid UTC date and time"),
    ("29990101000000", "sorts after now"),  # as a file's version would be, every run after
])
def test_version_that_is_malformed_or_not_after_the_newest_is_refused(
        tmp_path, url_env, version, message):
    root = make_project(tmp_path, TABLE + "create table public.more (id int);\n",
                        migrations={INIT: TABLE})
    done = diff(root, url_env, "more", "--version", version)
    assert_refused(done, 2, message, root)


def test_missing_config_is_refused(tmp_path, url_env):
    root = make_project(tmp_path, pyproject=None)
    done = run(root, "diff", "x", "--project", str(root), "--backend", "url", env=url_env)
    assert_refused(done, 2, f"{root}/pyproject.toml: not found", root)


@pytest.mark.parametrize(("pyproject", "message"), [
    ('[tool.schemadiff]\nschemas = ["public"\n', "pyproject.toml: not valid TOML"),
    ('[tool.schemadiff]\nschemas = "public"\n', "schemas must be a list of non-empty strings"),
    ('[tool.schemadiff]\nschema = "db.sql"\n', "unknown key(s) in [tool.schemadiff]: schema"),
    ('[tool.schemadiff]\npostgres_major = "15"\n', "postgres_major must be an integer"),
    ('[tool.schemadiff]\nunmanaged = ["gists"]\n', "must be 'schema.name'"),
    ('[tool.schemadiff.lint]\nredundant-index = "loud"\n', "redundant-index"),
    ('[tool.schemadiff.lint]\nno-such-rule = "warn"\n', "no-such-rule"),
], ids=["bad-toml", "schemas-type", "unknown-key", "major-type", "unmanaged-form",
        "lint-level", "lint-rule"])
def test_malformed_config_is_refused_naming_the_file(tmp_path, url_env, pyproject, message):
    root = make_project(tmp_path, pyproject=pyproject)
    done = diff(root, url_env)
    assert_refused(done, 2, "pyproject.toml", root)
    assert message in done.stderr


def test_bad_toml_names_the_line(tmp_path, url_env):
    root = make_project(tmp_path, pyproject='[tool.schemadiff]\n\nschemas = public\n')
    done = diff(root, url_env)
    assert_refused(done, 2, "pyproject.toml: not valid TOML", root)
    assert "line 3" in done.stderr


# --- the scratch server dies mid-run ---------------------------------------------------------


def test_scratch_server_killed_mid_run_gives_a_clear_error_and_no_hang(tmp_path, private_temp):
    tables = "".join(
        f"create table public.t{i} (id int primary key, a text, b int, c jsonb);\n"
        f"create index t{i}_a_idx on public.t{i} (a);\n"
        for i in range(400)
    )
    root = make_project(tmp_path / "project", tables)
    temp = private_temp
    proc = subprocess.Popen(
        command("diff", "big", "--backend", os.environ.get("SCHEMADIFF_KILL_BACKEND", "auto")),
        cwd=root, env=cli_env(tmp_env(temp)),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # The start line is printed once building the databases has begun.
        assert proc.stderr is not None
        seen = ""
        while "starting Postgres" not in seen:
            line = proc.stderr.readline()
            assert line, f"schemadiff ended early: {seen}"
            seen += line
        postmasters = processes_under(temp)
        assert postmasters, "no scratch server found under the private TMPDIR"
        segments = shared_memory_files(postmasters)
        for pid in postmasters:
            # Ours: started by this test's run. SIGKILL, as the OOM killer would.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        start = time.monotonic()
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = seen + err
    assert proc.returncode == 4, err
    assert "the scratch Postgres stopped answering" in err
    assert "Traceback" not in err
    assert elapsed < 30
    assert status(root) == ""
    assert leftovers(temp) == []
    # The killed postmaster's backends notice and exit once our connections are gone.
    deadline = time.monotonic() + 10
    while processes_under(temp) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_under(temp) == []
    # A killed postmaster removes no shared memory: it must live in the run directory.
    assert [f for f in segments if f.exists()] == []


def test_an_extension_no_backend_here_has_is_named_with_where_to_run(tmp_path, url_env):
    # postgis and the like: no SQL stand-in is feasible; the error says what to do.
    root = make_project(tmp_path, migrations={
        "20250101000000_gis.sql": "create extension if not exists no_such_gis_extension;\n"})
    done = run(root, "check", "--backend", "url", "-q", env=url_env)
    assert done.returncode == 5, done.stderr
    assert "20250101000000_gis.sql:1:1: extension \"no_such_gis_extension\" is not available" \
        in done.stderr
    assert "schemadiff has no stand-in for it" in done.stderr
    assert "--backend embedded" in done.stderr


def test_a_diff_in_the_same_second_as_the_newest_migration_gets_the_next_second(tmp_path):
    """Two diffs in a row (a script) used to be refused: both versions were this second."""
    from datetime import UTC, datetime

    from schemadiff.migrations import Migration, new_version

    version = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    newest = Migration(version, "first", tmp_path / f"{version}_first.sql",
                       tmp_path / "rollbacks" / f"{version}_first.sql")
    after = new_version([newest])
    assert after > version
    assert after <= datetime.now(UTC).strftime("%Y%m%d%H%M%S")  # never in the future
