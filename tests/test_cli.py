"""The command line: every exit code, --json shapes, help on every command.

Runs in-process against the session's scratch server through the `url` backend, so
each command skips starting a server of its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cliproject import TABLE
from schemadiff.cli import app


@pytest.fixture
def run(cli, project):
    return cli(project)


def files(project: Path) -> dict[str, str]:
    return {
        p.relative_to(project).as_posix(): p.read_text()
        for p in sorted(project.rglob("*")) if p.is_file() and p.name != ".schemadiff.lock"
    }


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    names = [c.name for c in app.registered_commands]
    assert {"diff", "check", "verify"} <= set(names)
    for args in [[n] for n in names] + [["cache", "clear"]]:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example" in result.output, f"{args} --help has no example"


def test_diff_writes_then_check_is_clean_then_no_difference(run, project):
    result = run("diff", "init", "--version", "20250101000000")
    assert result.exit_code == 0, result.output
    up = project / "supabase/migrations/20250101000000_init.sql"
    down = project / "supabase/rollbacks/20250101000000_init.sql"
    assert "create table" in up.read_text().lower()
    assert "drop table" in down.read_text().lower()
    assert not list((project / "supabase/migrations").glob("*.down.sql"))

    assert run("check").exit_code == 0
    before = files(project)
    again = run("diff", "again")
    assert again.exit_code == 0
    assert "No difference" in again.output
    assert files(project) == before


def test_check_exits_1_with_pending_sql_after_adding_a_column(run, project):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(TABLE.replace("not null)", "not null, colour text)"))
    result = run("check")
    assert result.exit_code == 1
    assert "colour" in result.output


def test_json_shapes(run, project):
    result = run("diff", "init", "--version", "20250101000000", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["changed"] is True
    assert payload["migration"].endswith("20250101000000_init.sql")
    assert any("widgets" in s for s in payload["up"])
    assert any("drop table" in s.lower() for s in payload["down"])

    checked = json.loads(run("check", "--json").stdout)
    assert checked.pop("scratch_notes") == ["scratch Postgres: the url backend (--backend url)"]
    assert checked == {"ok": True, "in_sync": True, "pending": [], "unexplained": []}

    verified = run("verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["ok"] is True
    assert [m["name"] for m in report["migrations"]] == ["20250101000000_init"]
    assert report["migrations"][0]["down"] == "ok"


def test_usage_errors_exit_2_and_write_nothing(run, project):
    before = files(project)
    bad_name = run("diff", "Bad-Name")
    assert bad_name.exit_code == 2
    assert "lowercase" in bad_name.output
    bad_version = run("diff", "ok_name", "--version", "2025")
    assert bad_version.exit_code == 2
    assert "14 digits" in bad_version.output
    assert files(project) == before


def test_version_must_sort_after_the_newest(run, project):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(TABLE + "create table public.more (id int);\n")
    before = files(project)
    result = run("diff", "more", "--version", "20240101000000")
    assert result.exit_code == 2
    assert "20250101000000_init.sql" in result.output
    assert files(project) == before


def test_destructive_change_exits_3_unless_allowed(run, project):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text("create table public.widgets (id int primary key);\n")
    before = files(project)
    refused = run("diff", "drop_name")
    assert refused.exit_code == 3
    assert "drops column name" in refused.output
    assert files(project) == before
    allowed = run("diff", "drop_name", "--allow-destructive")
    assert allowed.exit_code == 0, allowed.output
    assert len(list((project / "supabase/migrations").glob("*.sql"))) == 2


def test_bad_sql_exits_5_naming_file_line_and_column(run, project):
    (project / "schema.sql").write_text(TABLE + "\ncreate table public.broken (id int,, x int);\n")
    result = run("diff", "init")
    assert result.exit_code == 5
    assert "schema.sql:3:" in result.output
    assert "syntax error" in result.output
    assert not (project / "supabase").exists()


def test_missing_table_on_apply_exits_5_at_the_statement(run, project):
    (project / "schema.sql").write_text(
        TABLE + "create index gadgets_idx on public.gadgets (id);\n"
    )
    result = run("check")
    assert result.exit_code == 5
    assert "schema.sql:2:" in result.output
    assert 'relation "public.gadgets" does not exist' in result.output


def test_no_postgres_exits_4(project, monkeypatch):
    monkeypatch.delenv("SCHEMADIFF_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["check", "--project", str(project), "--backend", "url"])
    assert result.exit_code == 4
    assert "SCHEMADIFF_DATABASE_URL" in result.output


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
def test_generated_files_apply_with_psql_single_transaction(run, project, server, fresh_db):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    db = fresh_db("psql")
    for path in ("supabase/migrations/20250101000000_init.sql",
                 "supabase/rollbacks/20250101000000_init.sql"):
        done = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-h", server.host, "-p", str(server.port), "-U", server.user, "-d", db,
             "-f", str(project / path)],
            capture_output=True, text=True,
        )
        assert done.returncode == 0, done.stderr


def test_undeclared_rename_is_refused_naming_the_suspect(run, project):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(TABLE.replace("name text", "title text"))
    refused = run("diff", "rename")
    assert refused.exit_code == 3
    assert "Possible renames" in refused.output
    assert "name" in refused.output and "title" in refused.output


def test_declared_rename_becomes_alter_rename_both_ways(run, project):
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(
        "create table public.widgets (\n    id int primary key,\n"
        "    -- schemadiff: renamed from name\n    title text not null\n);\n"
    )
    result = run("diff", "rename_name", "--version", "20250102000000")
    assert result.exit_code == 0, result.output
    up = (project / "supabase/migrations/20250102000000_rename_name.sql").read_text()
    down = (project / "supabase/rollbacks/20250102000000_rename_name.sql").read_text()
    assert 'RENAME COLUMN "name" TO "title"' in up
    assert 'RENAME COLUMN "title" TO "name"' in down
    assert "drop column" not in up.lower()
    assert run("verify").exit_code == 0


def test_extension_upgrade_without_downgrade_path_gets_an_irreversible_rollback(run, project):
    # In `extensions`, as on Supabase (pg_trgm's operator classes in a managed schema
    # are refused by main's coverage check as unmodelled, a separate issue). An index
    # uses it: without a user, the rollback would drop and create it at 1.5 instead.
    trgm = "create extension if not exists pg_trgm schema extensions version '{}';\n"
    index = ("create index widgets_name_trgm on public.widgets "
             "using gin (name extensions.gin_trgm_ops);\n")
    (project / "schema.sql").write_text(trgm.format("1.5") + TABLE + index)
    first = run("diff", "init", "--version", "20250101000000")
    assert first.exit_code == 0, first.output
    (project / "schema.sql").write_text(trgm.format("1.6") + TABLE + index)
    result = run("diff", "trgm", "--version", "20250102000000")
    assert result.exit_code == 0, result.output
    assert "no rollback: extension pg_trgm cannot go from version 1.6 to 1.5" in result.output
    rollback = (project / "supabase/rollbacks/20250102000000_trgm.sql").read_text()
    assert "-- schemadiff: irreversible" in rollback.splitlines()
    assert "alter extension" not in rollback
    up = (project / "supabase/migrations/20250102000000_trgm.sql").read_text()
    assert "alter extension \"pg_trgm\" update to '1.6';" in up
    verified = run("verify", "--json")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["migrations"][1]["down"] == "irreversible"


def test_extension_nothing_uses_is_downgraded_by_drop_and_create(run, project):
    trgm = "create extension if not exists pg_trgm schema extensions version '{}';\n"
    (project / "schema.sql").write_text(trgm.format("1.6") + TABLE)
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(trgm.format("1.5") + TABLE)
    result = run("diff", "older_trgm", "--version", "20250102000000")
    assert result.exit_code == 0, result.output
    up = (project / "supabase/migrations/20250102000000_older_trgm.sql").read_text()
    assert 'drop extension "pg_trgm";' in up
    assert "create extension if not exists \"pg_trgm\" with schema \"extensions\" " \
           "version '1.5';" in up
    rollback = (project / "supabase/rollbacks/20250102000000_older_trgm.sql").read_text()
    assert "alter extension \"pg_trgm\" update to '1.6';" in rollback
    assert run("verify").exit_code == 0


def test_insert_into_a_view_is_reported_by_diff(run, project):
    (project / "schema.sql").write_text(
        TABLE + "create view public.widget_names as select id, name from public.widgets;\n"
        "create function public.widget_names_insert() returns trigger language plpgsql as $$\n"
        "begin insert into public.widgets values (new.id, new.name); return new; end $$;\n"
        "create trigger widget_names_insert instead of insert on public.widget_names\n"
        "    for each row execute function public.widget_names_insert();\n"
        "insert into public.widget_names values (1, 'bolt');\n")
    result = run("diff", "init", "--version", "20250101000000")
    assert result.exit_code == 0, result.output
    assert "schema.sql:7:13: INSERT INTO public.widget_names: a view" in result.output
    up = (project / "supabase/migrations/20250101000000_init.sql").read_text()
    assert "bolt" not in up  # not reference data: no migration writes it
