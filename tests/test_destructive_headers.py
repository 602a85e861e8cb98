"""A destructive migration says so in its header; its rollback says what it cannot restore."""

from __future__ import annotations

from cliproject import make_project, write

SCHEMA = "create table public.t (id int primary key, note text);\n"


def test_headers_name_what_is_dropped(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=SCHEMA)
    run = cli(root)
    first = run("diff", "init", "--version", "20250101000000")
    assert first.exit_code == 0, first.output
    assert "DESTRUCTIVE" not in next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    write(root / "schema.sql", "create table public.t (id int primary key);\n")
    result = run("diff", "drop_note", "--allow-destructive",
                 "--version", "20250102000000")
    assert result.exit_code == 0, result.output
    assert "(1 statement)" in result.output
    migration = next((root / "supabase/migrations").glob("*_drop_note.sql")).read_text()
    rollback = next((root / "supabase/rollbacks").glob("*_drop_note.sql")).read_text()
    head = migration.split("\n\n", 1)[0]
    assert "-- DESTRUCTIVE (written with --allow-destructive)" in head
    assert "--   - drops column note: table public.t" in head
    assert "restores the shape, not the data" in rollback.split("\n\n", 1)[0]
    assert "--   - drops column note: table public.t" in rollback
