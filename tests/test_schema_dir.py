"""`schema_file` as a directory of .sql files applied in name order (supabase/schemas/)."""

from __future__ import annotations

from cliproject import make_project, write

PYPROJECT = '[tool.schemadiff]\nschemas = ["public"]\nschema_file = "supabase/schemas"\n'

TABLES = "create table public.kinds (id int primary key, code text not null)"  # no ';'
POLICIES = """alter table public.kinds enable row level security;
create policy kinds_read on public.kinds for select to authenticated using (true);
"""


def _project(tmp_path, files: dict[str, str]):
    root = make_project(tmp_path / "p", schema=None, pyproject=PYPROJECT)
    (root / "supabase" / "schemas").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        write(root / "supabase" / "schemas" / name, text)
    return root


def test_files_apply_in_name_order_and_diff_converges(tmp_path, cli):
    # 20_ needs the table of 10_; 10_'s last statement has no semicolon (files end theirs).
    root = _project(tmp_path, {"20_policies.sql": POLICIES, "10_tables.sql": TABLES,
                               "notes.txt": "not sql"})
    run = cli(root)
    result = run("diff", "init")
    assert result.exit_code == 0, result.output
    migration = next((root / "supabase" / "migrations").glob("*_init.sql")).read_text()
    assert "kinds_read" in migration and "from supabase/schemas" in migration
    assert run("check").exit_code == 0


def test_an_error_names_the_file_and_its_line(tmp_path, cli):
    broken = "-- policies\n\ncreate policy p on public.missing for select using (true);\n"
    root = _project(tmp_path, {"10_tables.sql": TABLES, "20_policies.sql": broken})
    result = cli(root)("check")
    assert result.exit_code == 5, result.output
    assert "20_policies.sql:3:" in result.output
    assert "create policy p on public.missing" in result.output


def test_a_syntax_error_names_the_file_and_its_line(tmp_path, cli):
    root = _project(tmp_path, {"10_tables.sql": TABLES + ";\n",
                               "20_policies.sql": "\nalter tabel public.kinds enable rls;\n"})
    result = cli(root)("check")
    assert result.exit_code == 5, result.output
    assert "20_policies.sql:2:7: syntax error" in result.output


def test_a_directory_without_sql_is_refused(tmp_path, cli):
    root = _project(tmp_path, {"README.md": "nothing here"})
    result = cli(root)("check")
    assert result.exit_code == 5, result.output
    assert "holds no .sql file" in result.output


def test_pull_writes_schema_sql_into_the_directory(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=None, pyproject=PYPROJECT, migrations={
        "20260101000000_kinds.sql": TABLES + ";\n" + POLICIES})
    (root / "supabase" / "schemas").mkdir()
    run = cli(root)
    result = run("pull")
    assert result.exit_code == 0, result.output
    assert "kinds_read" in (root / "supabase" / "schemas" / "schema.sql").read_text()
    assert run("check").exit_code == 0
