"""A missing table is reported where schema.sql names it, not at the statement's start."""

from __future__ import annotations

import pytest

from cliproject import make_project


@pytest.mark.parametrize(("schema", "where", "line"), [
    # A column named like the missing table comes first: the caret goes to REFERENCES'.
    ("create table public.a (\n    b int,\n    b_id int references public.b (id)\n);\n",
     "schema.sql:3:25:", "b_id int references public.b (id)"),
    ("create table public.a (\n    b_id int references b (id)\n);\n",
     "schema.sql:2:25:", "b_id int references b (id)"),
])
def test_a_missing_referenced_table_points_at_its_name(tmp_path, cli, schema, where, line):
    root = make_project(tmp_path / "p", schema=schema)
    result = cli(root)("check")
    assert result.exit_code == 5, result.output
    assert where in result.output
    shown = result.output.splitlines()
    caret = next(i for i, text in enumerate(shown) if text.strip() == "^")
    assert shown[caret - 1].strip() == line
    assert shown[caret].index("^") == shown[caret - 1].index("references") + len("references ")
