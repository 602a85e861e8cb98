"""Lint noise users cannot act on: generated migrations set their own timeouts (so the
timeout rules hold by construction), silence advice points at schema.sql, and a silence
written where it cannot work is reported."""

from __future__ import annotations

import json

from cliproject import make_project, write

BASE = ("create table public.t (id int primary key);\n"
        "alter table public.t enable row level security;\n")
TIMEOUT_RULES = ("require-lock-timeout", "require-statement-timeout")


def _diff_add_column(tmp_path, cli, pyproject: str = '[tool.schemadiff]\n'):
    root = make_project(tmp_path / "p", schema=BASE, pyproject=pyproject)
    run = cli(root)
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    write(root / "schema.sql", BASE + "alter table public.t add column note text;\n")
    result = run("diff", "add_note", "--json", "--version", "20250102000000")
    assert result.exit_code == 0, result.output
    migration = next((root / "supabase" / "migrations").glob("*_add_note.sql")).read_text()
    return json.loads(result.stdout)["warnings"], migration


def test_generated_migrations_set_their_timeouts_so_the_rules_hold(tmp_path, cli):
    warnings, migration = _diff_add_column(tmp_path, cli)
    assert "SET LOCAL lock_timeout = '5s';" in migration
    assert "SET LOCAL statement_timeout = '10min';" in migration
    assert not [w for w in warnings if w["rule"] in TIMEOUT_RULES]


def test_timeouts_are_configurable_and_the_rules_fire_without_them(tmp_path, cli):
    warnings, migration = _diff_add_column(
        tmp_path, cli, '[tool.schemadiff]\nlock_timeout = ""\nstatement_timeout = ""\n')
    assert "SET LOCAL" not in migration
    for rule in TIMEOUT_RULES:
        assert any(w["rule"] == rule for w in warnings), (rule, warnings)


def test_a_configured_timeout_is_written(tmp_path, cli):
    _, migration = _diff_add_column(tmp_path, cli, '[tool.schemadiff]\nlock_timeout = "2s"\n')
    assert "SET LOCAL lock_timeout = '2s';" in migration


def test_a_bad_timeout_is_a_config_error(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=BASE,
                        pyproject='[tool.schemadiff]\nlock_timeout = "soon"\n')
    result = cli(root)("check")
    assert result.exit_code == 2
    assert "lock_timeout must be a duration" in result.output


def test_silence_advice_points_at_schema_sql(tmp_path, cli):
    root = make_project(tmp_path / "p", schema="create table public.t (id int primary key);\n")
    result = cli(root)("diff", "init", "--json")
    assert result.exit_code == 0, result.output
    rls = [w for w in json.loads(result.stdout)["warnings"] if w["rule"] == "rls-disabled"]
    assert rls and rls[0]["silence"].startswith("in schema.sql, on the line before")


def test_a_silence_before_a_column_is_reported(tmp_path, cli):
    schema = ("create table public.owners (id int primary key);\n"
              "create table public.t (\n"
              "    id int primary key,\n"
              "    -- schemadiff-lint: ignore fk-without-index -- tiny table\n"
              "    owner_id int references public.owners (id)\n"
              ");\n")
    root = make_project(tmp_path / "p", schema=schema)
    result = cli(root)("diff", "init", "--json")
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any((w["rule"], w["level"], w["line"]) == ("lint-silence", "warn", 4)
               and w["file"].endswith("schema.sql") and "inside a statement" in w["message"]
               for w in warnings), warnings


def test_json_warnings_are_structured(tmp_path, cli):
    warnings, _ = _diff_add_column(tmp_path, cli)
    assert warnings, "the table has RLS and no policy: rls-no-policy at least"
    for warning in warnings:
        assert set(warning) == {"rule", "level", "file", "line", "column", "message",
                                "silence"}
        assert isinstance(warning["line"], int)
