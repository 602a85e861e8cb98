"""`schemadiff drift --db-url`: a live database against the migration history."""

from __future__ import annotations

import json
from pathlib import Path

from cliproject import make_project
from pgquery import query
from schemadiff.apply import apply_to
from schemadiff.sources import SqlFile
from test_pull import HISTORY, PYPROJECT, live_database


def test_a_live_database_equal_to_the_history_is_exit_0(tmp_path, cli, server, fresh_db):
    _, url = live_database(server, fresh_db, *HISTORY.values())
    root = make_project(tmp_path / "p", schema=None, migrations=HISTORY, pyproject=PYPROJECT)
    result = cli(root)("drift", "--db-url", url)
    assert result.exit_code == 0, result.output
    assert "No drift" in result.output


def test_a_column_added_by_hand_is_exit_1_with_its_sql(tmp_path, cli, server, fresh_db):
    dbname, url = live_database(server, fresh_db, *HISTORY.values())
    apply_to(server, dbname, SqlFile(Path("by hand"),
                                     "alter table public.things add column hotfix text;"))
    root = make_project(tmp_path / "p", schema=None, migrations=HISTORY, pyproject=PYPROJECT)
    run = cli(root)
    result = run("drift", "--db-url", url)
    assert result.exit_code == 1, result.output
    assert 'add column "hotfix" text' in result.output
    as_json = run("drift", "--db-url", url, "--json")
    assert as_json.exit_code == 1
    payload = json.loads(as_json.stdout)
    assert payload["in_sync"] is False and payload["ok"] is False
    assert any("hotfix" in s for s in payload["differences"])
    # Read only: the live database keeps its column and nothing else was created there.
    assert query(server, "select count(*) from information_schema.columns "
                 "where column_name = 'hotfix'", dbname) == [(1,)]


def test_changed_reference_rows_are_drift(tmp_path, cli, server, fresh_db):
    dbname, url = live_database(server, fresh_db, *HISTORY.values(),
                                "update public.kinds set label = 'Changed' where code = 'a';")
    root = make_project(tmp_path / "p", schema=None, migrations=HISTORY, pyproject=PYPROJECT)
    result = cli(root)("drift", "--db-url", url)
    assert result.exit_code == 1, result.output
    assert "Changed" in result.output


def test_check_json_is_not_ok_when_schema_sql_is_ahead(tmp_path, cli):
    root = make_project(tmp_path / "p", schema="create table public.t (id int);\n")
    result = cli(root)("check", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["in_sync"] is False and payload["pending"]
