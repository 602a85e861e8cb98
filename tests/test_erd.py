"""`schemadiff erd`: a Mermaid ER diagram of schema.sql, read from the catalog."""

from __future__ import annotations

import json

from cliproject import make_project

SCHEMA = """
create table public.kinds (id bigint primary key, code text not null unique, label text);
create table public.things (
    id uuid primary key default gen_random_uuid(),
    kind_id bigint not null references public.kinds (id),
    parent_id uuid references public.things (id),
    owner uuid references auth.users (id),
    note text);
create table public.thing_details (thing_id uuid primary key references public.things (id),
                                   body text);
create table public.ignored (id int primary key);
"""
PYPROJECT = '[tool.schemadiff]\nschemas = ["public"]\nunmanaged = ["public.ignored"]\n'


def test_tables_key_columns_and_foreign_keys(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=SCHEMA, pyproject=PYPROJECT)
    result = cli(root)("erd")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("erDiagram\n")
    assert "    kinds {\n        bigint id PK\n        text code UK\n    }\n" in text
    assert "        bigint kind_id FK\n" in text and "note" not in text
    # Required FK: exactly one parent; nullable: zero or one; a key of its own: one-to-one.
    assert '    things }o--|| kinds : "kind_id"' in text
    assert '    things }o--o| things : "parent_id"' in text
    assert '    thing_details |o--|| things : "thing_id"' in text
    # A platform table it references appears with that column; unmanaged tables do not.
    assert "    auth_users {\n        uuid id PK\n    }" in text
    assert '    things }o--o| auth_users : "owner"' in text
    assert "ignored" not in text


def test_all_columns_and_output_file(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=SCHEMA, pyproject=PYPROJECT)
    result = cli(root)("erd", "--all-columns", "-o", str(root / "schema.mmd"), "--json")
    assert result.exit_code == 0, result.output
    written = (root / "schema.mmd").read_text()
    assert json.loads(result.stdout)["mermaid"] == written
    assert "        text note\n" in written and "        text label\n" in written


def test_bad_schema_is_exit_5(tmp_path, cli):
    root = make_project(tmp_path / "p", schema="create table public.t (id nosuchtype);\n",
                        pyproject=PYPROJECT)
    result = cli(root)("erd")
    assert result.exit_code == 5, result.output
    assert "schema.sql:1:" in result.output
