"""`schemadiff verify` fails, usefully, when a migration history is broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cliproject import TABLE

MORE = TABLE + "create table public.gadgets (id int primary key);\n"


@pytest.fixture
def run(cli, project):
    return cli(project)


@pytest.fixture
def history(run, project):
    """Two generated migrations: widgets, then gadgets."""
    assert run("diff", "widgets", "--version", "20250101000000").exit_code == 0
    (project / "schema.sql").write_text(MORE)
    assert run("diff", "gadgets", "--version", "20250102000000").exit_code == 0
    return project


def test_a_generated_history_verifies(run, history):
    result = run("verify", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(m["up"], m["down"], m["reup"]) for m in report["migrations"]] == [
        ("ok", "ok", "ok"), ("ok", "ok", "ok")
    ]
    assert report["final_equal"] is True


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_rollback_that_forgets_a_drop_fails(run, history):
    rollback = history / "supabase/rollbacks/20250102000000_gadgets.sql"
    _edit(rollback, 'drop table "public"."gadgets";', "")
    # The edit also breaks the recorded checksum: record it on purpose (`hash`) to see the
    # behaviour check alone.
    assert run("hash").exit_code == 0
    result = run("verify")
    assert result.exit_code == 1
    assert "does not restore the state before 20250102000000_gadgets.sql" in result.output
    assert "gadgets" in result.output


def test_migration_edited_after_release_fails_naming_the_file(run, history):
    migration = history / "supabase/migrations/20250101000000_widgets.sql"
    migration.write_text(migration.read_text() + "\n-- a harmless looking edit\n")
    for command in ("verify", "check"):
        result = run(command)
        assert result.exit_code == 1, command
        assert "20250101000000_widgets.sql: changed after it was generated" in result.output


def test_removed_migration_fails(run, history):
    (history / "supabase/migrations/20250102000000_gadgets.sql").unlink()
    result = run("verify")
    assert result.exit_code == 1
    assert "20250102000000_gadgets.sql: recorded in schemadiff.sum but missing" in result.output


def test_new_migration_out_of_order_fails(run, history):
    late = history / "supabase/migrations/20241231000000_sneaky.sql"
    late.write_text("create table public.sneaky (id int);\n")
    result = run("verify")
    assert result.exit_code == 1
    assert "20241231000000_sneaky.sql: not recorded" in result.output
    assert "out of order" in result.output


def test_migration_without_rollback_fails_unless_declared_irreversible(run, history):
    rollback = history / "supabase/rollbacks/20250102000000_gadgets.sql"
    rollback.unlink()
    assert run("hash").exit_code == 0  # the change recorded on purpose
    result = run("verify")
    assert result.exit_code == 1
    assert "no rollback" in result.output
    assert "-- schemadiff: irreversible" in result.output

    rollback.write_text("-- schemadiff: irreversible\n-- gadgets hold data we cannot restore\n")
    declared = run("verify", "--json")
    assert declared.exit_code == 0, declared.output
    report = json.loads(declared.stdout)
    assert report["migrations"][1]["down"] == "irreversible"


def test_two_migrations_with_one_version_fail(run, history):
    twin = history / "supabase/migrations/20250102000000_twin.sql"
    twin.write_text("select 1;\n")
    result = run("verify")
    assert result.exit_code == 2
    assert "version 20250102000000 is also used by" in result.output


def test_final_state_must_equal_schema(run, history, project):
    (project / "schema.sql").write_text(MORE + "create table public.extra (id int);\n")
    result = run("verify")
    assert result.exit_code == 1
    assert "do not reproduce schema.sql" in result.output
    assert "extra" in result.output


def test_rollback_that_forgets_a_comment_fails(run, history, project):
    # migra cannot see comments; only the catalog judge can catch this one.
    (project / "schema.sql").write_text(MORE + "comment on table public.gadgets is 'Gizmos';\n")
    assert run("diff", "comment", "--version", "20250103000000").exit_code == 0
    rollback = project / "supabase/rollbacks/20250103000000_comment.sql"
    kept = [line for line in rollback.read_text().splitlines()
            if not line.upper().startswith("COMMENT ON")]
    assert len(kept) < len(rollback.read_text().splitlines()), "the rollback resets the comment"
    rollback.write_text("\n".join(kept) + "\n")
    assert run("hash").exit_code == 0  # the change recorded on purpose
    result = run("verify")
    assert result.exit_code == 1
    assert "20250103000000_comment.sql: the rollback does not restore" in result.output
    assert "comment" in result.output and "Gizmos" in result.output
