"""Generated SQL as an engineer would write it: settings that end with the migration's
transaction, and section headers that name what they hold."""

from __future__ import annotations

from cliproject import make_project

SCHEMA = ("create table public.t (id int primary key);\n"
          "create function public.t_count() returns bigint language sql\n"
          "    as $$ select count(*) from public.t $$;\n")


def test_function_body_checks_are_off_for_the_transaction_only(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=SCHEMA)
    result = cli(root)("diff", "init")
    assert result.exit_code == 0, result.output
    migration = next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    assert "set local check_function_bodies = off;" in migration
    assert "\nset check_function_bodies" not in migration
    assert "-- settings\n" in migration and "VariableSetStmt" not in migration
