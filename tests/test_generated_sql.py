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


def test_constraints_of_a_new_table_are_added_valid_and_of_an_old_one_not_valid(tmp_path,
                                                                                 cli):
    tables = ("create table public.a (id int primary key, n int check (n > 0));\n"
              "create table public.b (id int primary key, a_id int references public.a (id),\n"
              "                       m int check (m > 0));\n")
    root = make_project(tmp_path / "p", schema=tables)
    run = cli(root)
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    created = next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    assert "foreign key" in created.lower() and "check" in created.lower()
    assert "not valid" not in created.lower() and "validate constraint" not in created.lower()
    # On a table that exists already, NOT VALID then VALIDATE keeps the lock short.
    (root / "schema.sql").write_text(tables.replace("(m > 0)", "(m > 0),\n  check (m < 9)"))
    assert run("diff", "limit_m", "--version", "20250102000000").exit_code == 0
    changed = next((root / "supabase/migrations").glob("*_limit_m.sql")).read_text()
    assert "not valid" in changed.lower() and "validate constraint" in changed.lower()
    assert run("check").exit_code == 0
