"""Renames declared in schema.sql keep their data through the migration and the rollback.

The plan is built as `diff` builds it: the hinted renames applied to a clone of
"current", migra between that clone and "desired". Then the migration runs on a copy
of "current" holding rows, and the rollback after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgquery import query
from schemadiff.apply import apply_sql
from schemadiff.diff.renames import hints, renamed_base, suspects
from schemadiff.diff.statements import statements
from schemadiff.errors import SQLInputError
from schemadiff.inspect.scope import Scope
from schemadiff.inspect.views import Views
from schemadiff.sources import SqlFile

SCOPE = Scope(("public",))


def apply(server, db: str, text: str) -> None:
    conn = server.connect(db, autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path("test.sql"), text))
    finally:
        conn.close()


def migra(server, a: str, b: str) -> list[str]:
    views = Views(server, SCOPE)
    return statements(views.model(a), views.model(b))


@pytest.fixture
def setup(server, fresh_db):
    """setup(before_sql, data_sql, schema_sql) -> (current, desired, up, down)."""

    def go(before: str, data: str, schema: str):
        current, desired = fresh_db("current"), fresh_db("desired")
        apply(server, current, before + data)
        apply(server, desired, schema)
        return current, desired

    return go


def plan(server, databases, current: str, desired: str, schema: str):
    found = hints(SqlFile(Path("schema.sql"), schema))
    with renamed_base(server, databases, current, desired, found) as base:
        up = base.up + migra(server, base.dbname, desired)
        down = migra(server, desired, base.dbname) + base.down
    return up, down


def run_up_and_down(server, databases, current: str, desired: str, up, down, check_up, check_down):
    """Apply up to a copy of current (must equal desired), then down (must equal current)."""
    copy = databases.create("copy", template=current)
    try:
        apply(server, copy, "\n".join(up))
        assert migra(server, copy, desired) == []
        check_up(copy)
        apply(server, copy, "\n".join(down))
        assert migra(server, copy, current) == []
        check_down(copy)
    finally:
        databases.drop(copy)


V1_COLUMN = "create table public.items (id int primary key, title text not null);\n"
DATA_COLUMN = "insert into public.items values (1, 'first'), (2, 'second');\n"
V2_COLUMN = """create table public.items (
    id int primary key,
    -- schemadiff: renamed from title
    name text not null
);
"""


def test_column_rename_keeps_the_data_both_ways(server, databases, setup):
    current, desired = setup(V1_COLUMN, DATA_COLUMN, V2_COLUMN)
    up, down = plan(server, databases, current, desired, V2_COLUMN)
    assert up == ['ALTER TABLE "public"."items" RENAME COLUMN "title" TO "name";']
    assert down == ['ALTER TABLE "public"."items" RENAME COLUMN "name" TO "title";']

    def after_up(db):
        assert query(server, "select id, name from public.items order by id", db) == [
            (1, "first"), (2, "second")]

    def after_down(db):
        assert query(server, "select id, title from public.items order by id", db) == [
            (1, "first"), (2, "second")]

    run_up_and_down(server, databases, current, desired, up, down, after_up, after_down)


V1_TABLE = """create table public.products (id serial primary key, title text,
    constraint products_title_check check (title <> ''));
create index products_title_idx on public.products (title);
"""
DATA_TABLE = "insert into public.products (title) values ('a'), ('b');\n"
V2_TABLE = """-- schemadiff: renamed from products
create table public.items (id serial primary key, label text, -- schemadiff: renamed from title
    constraint items_title_check check (label <> ''));
create index items_title_idx on public.items (label);
"""


def test_table_and_column_rename_keep_rows_and_the_sequence(server, databases, setup):
    current, desired = setup(V1_TABLE, DATA_TABLE, V2_TABLE)
    up, down = plan(server, databases, current, desired, V2_TABLE)
    text = "\n".join(up).lower()
    assert "drop table" not in text and "drop column" not in text and "drop sequence" not in text
    assert up[0] == 'ALTER TABLE "public"."products" RENAME TO "items";'
    assert 'ALTER SEQUENCE "public"."products_id_seq" RENAME TO "items_id_seq";' in up
    assert down[-1] == 'ALTER TABLE "public"."items" RENAME TO "products";'

    def after_up(db):
        assert query(server, "select id, label from public.items order by id", db) == [
            (1, "a"), (2, "b")]
        # The sequence was renamed, not recreated: the next id follows the old ones.
        assert query(server, "insert into public.items (label) values ('c') returning id", db) == [
            (3,)]

    def after_down(db):
        assert query(server, "select id, title from public.products order by id", db) == [
            (1, "a"), (2, "b"), (3, "c")]

    run_up_and_down(server, databases, current, desired, up, down, after_up, after_down)


def test_a_hint_whose_rename_is_released_does_nothing(server, databases, setup):
    current, desired = setup(V2_COLUMN, "", V2_COLUMN)
    assert plan(server, databases, current, desired, V2_COLUMN) == ([], [])


def test_a_misplaced_hint_is_an_error_at_its_line():
    schema = ("create table public.a (id int);\n\n-- schemadiff: renamed from b\n"
              "create index on public.a (id);\n")
    with pytest.raises(SQLInputError, match=r"schema.sql:3:1: a rename hint must stand before"):
        hints(SqlFile(Path("schema.sql"), schema))


def test_suspects_name_a_drop_and_add_of_one_type(server, setup):
    schema = "create table public.items (id int primary key, name text not null);\n"
    current, desired = setup(V1_COLUMN, "", schema)
    found = suspects(migra(server, current, desired), server, current, desired)
    assert len(found) == 1
    assert "public.items drops column title and adds name, both text" in found[0]
    assert "-- schemadiff: renamed from title" in found[0]


def test_suspects_skip_a_drop_and_add_of_different_types(server, setup):
    schema = "create table public.items (id int primary key, name int);\n"
    current, desired = setup(V1_COLUMN, "", schema)
    assert suspects(migra(server, current, desired), server, current, desired) == []


def test_suspects_name_a_dropped_table_whose_columns_a_new_one_repeats(server, setup):
    schema = V1_COLUMN.replace("public.items", "public.things")
    current, desired = setup(V1_COLUMN, "", schema)
    found = suspects(migra(server, current, desired), server, current, desired)
    assert found == [
        "possible rename: drops table public.items and creates public.things with the same "
        "columns. If it is a rename, put `-- schemadiff: renamed from items` on the line "
        "before `CREATE TABLE public.things` in schema.sql: the data is kept."
    ]
