"""One reference table as one database holds it: its catalog, and its rows read as text.

Values are read as Postgres's own text output, in fixed session settings
(sql/data_read_settings.sql). A column that points, by a single-column foreign key, at
a generated id of another reference table (`category_id` → content_categories.id) is
read as the parent row's natural key, because generated ids differ between databases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from psycopg2 import sql
from psycopg2.extensions import TRANSACTION_STATUS_INTRANS

from .. import sql as sql_files
from .literals import match, show_row

if TYPE_CHECKING:
    from .declared import Ident, ReferenceTable

Value = str | tuple | None  # text output, a parent's natural key (tuple), or NULL


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # quote_ident(name): safe in a statement, unquoted when it can be
    type: str  # format_type(): schema-qualified, with typmod
    has_default: bool
    generated: bool
    identity: str  # '' | 'a' (ALWAYS) | 'd' (BY DEFAULT)


@dataclass(frozen=True)
class Unique:
    index: str
    constraint: str | None
    primary: bool
    columns: tuple[str, ...]
    attnums: tuple[int, ...]
    arbiter: bool  # usable as ON CONFLICT (columns): not partial, no expressions, not deferrable


@dataclass(frozen=True)
class ForeignKey:
    parent: Ident
    columns: tuple[str, ...]
    parent_columns: tuple[str, ...]


@dataclass
class Shape:
    """One table as one database has it."""

    sql: str  # quoted schema.name
    columns: dict[str, Column] = field(default_factory=dict)  # in table order
    uniques: list[Unique] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    def arbiter_for(self, key: tuple[str, ...]) -> bool:
        return any(u.arbiter and set(u.columns) == set(key) for u in self.uniques)


@contextlib.contextmanager
def reading(conn) -> Iterator:
    """A cursor with fixed output settings; the caller's session and transaction stay as found."""
    cur = conn.cursor()
    in_transaction = conn.info.transaction_status == TRANSACTION_STATUS_INTRANS
    if in_transaction:
        cur.execute("SAVEPOINT schemadiff_data")
    elif conn.autocommit:
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        cur.execute(sql_files.load("data_read_settings.sql"))
        yield cur
    finally:
        if in_transaction:
            cur.execute("ROLLBACK TO SAVEPOINT schemadiff_data; RELEASE SAVEPOINT schemadiff_data")
        elif conn.autocommit:
            cur.execute("ROLLBACK")
        else:
            conn.rollback()  # the transaction psycopg2 opened for this read
        cur.close()


def read_catalog(cur, tables: list[ReferenceTable]) -> dict[Ident, Shape]:
    params = {"schemas": [t.schema for t in tables], "names": [t.name for t in tables]}
    shapes: dict[Ident, Shape] = {}
    cur.execute(sql_files.load("data_columns.sql"), params)
    for schema, name, table_sql, column, column_sql, type_, default, generated, identity in (
        cur.fetchall()
    ):
        shape = shapes.setdefault((schema, name), Shape(table_sql))
        shape.columns[column] = Column(column, column_sql, type_, default, generated, identity)
    cur.execute(sql_files.load("data_unique_keys.sql"), params)
    for schema, name, index, constraint, primary, columns, attnums, unusable in cur.fetchall():
        if (schema, name) in shapes:
            shapes[(schema, name)].uniques.append(
                Unique(index, constraint, primary, tuple(columns), tuple(attnums), not unusable)
            )
    cur.execute(sql_files.load("data_foreign_keys.sql"), params)
    for schema, name, parent_schema, parent_name, columns, parent_columns in cur.fetchall():
        if (schema, name) in shapes:
            shapes[(schema, name)].foreign_keys.append(
                ForeignKey((parent_schema, parent_name), tuple(columns), tuple(parent_columns))
            )
    return shapes


def read_kinds(cur, tables: list[ReferenceTable]) -> dict[Ident, str]:
    """pg_class.relkind of each of `tables` that exists."""
    if not tables:
        return {}
    cur.execute(sql_files.load("data_relation_kinds.sql"),
                {"schemas": [t.schema for t in tables], "names": [t.name for t in tables]})
    return {(schema, name): kind for schema, name, kind in cur.fetchall()}


# --- rows of one database -----------------------------------------------------------


@dataclass(frozen=True)
class ParentRef:
    """A column holding a reference table's generated id, matched by the parent's natural key."""

    parent: Ident
    parent_sql: str
    parent_column: str
    parent_column_sql: str
    key: tuple[Column, ...]  # the parent's natural key


@dataclass
class Side:
    """One reference table as one database holds it."""

    table: ReferenceTable
    shape: Shape
    columns: tuple[str, ...]  # the declared columns this database has
    refs: dict[str, ParentRef]
    records: list[dict[str, Value]] = field(default_factory=list)  # every row, as read
    rows: dict[tuple, dict[str, Value]] = field(default_factory=dict)  # by key
    problem: str | None = None  # why rows cannot be matched by key here

    @property
    def arbiter(self) -> bool:
        return self.shape.arbiter_for(self.table.key or ())


def read_sides(conn, tables: list[ReferenceTable], label: str) -> dict[Ident, Side]:
    for table in tables:
        if table.key is None:
            raise ValueError(f"{table.qualified}: no key; call resolve_keys first")
    with reading(conn) as cur:
        shapes = read_catalog(cur, tables)
        refs = _refs(tables, shapes)
        sides = {}
        for table in tables:
            shape = shapes.get(table.ident)
            if shape is None:
                continue
            columns = tuple(c for c in table.columns if c in shape.columns)
            side = Side(table, shape, columns, refs.get(table.ident, {}))
            side.records = _fetch(cur, side)
            _key_rows(side, label)
            sides[table.ident] = side
    return sides


def _refs(
    tables: list[ReferenceTable], shapes: dict[Ident, Shape]
) -> dict[Ident, dict[str, ParentRef]]:
    by_ident = {t.ident: t for t in tables}
    refs: dict[Ident, dict[str, ParentRef]] = {}
    for table in tables:
        shape = shapes.get(table.ident)
        for fk in shape.foreign_keys if shape else ():
            parent, parent_shape = by_ident.get(fk.parent), shapes.get(fk.parent)
            if (
                len(fk.columns) != 1
                or fk.columns[0] not in table.columns
                or parent is None
                or parent_shape is None
                # A parent column the INSERTs provide is the same in every database.
                or fk.parent_columns[0] in parent.columns
                or any(k not in parent_shape.columns for k in parent.key or ())
            ):
                continue
            refs.setdefault(table.ident, {})[fk.columns[0]] = ParentRef(
                fk.parent, parent_shape.sql, fk.parent_columns[0],
                parent_shape.columns[fk.parent_columns[0]].sql,
                tuple(parent_shape.columns[k] for k in parent.key or ()),
            )
    # A parent whose own key is such a reference would need lookups within lookups:
    # those columns are compared as stored instead.
    for columns in refs.values():
        for column, ref in list(columns.items()):
            if any(k.name in refs.get(ref.parent, {}) for k in ref.key):
                del columns[column]
    return refs


def _fetch(cur, side: Side) -> list[dict[str, Value]]:
    table = side.table
    exprs = []
    for column in side.columns:
        ref = side.refs.get(column)
        if ref is None:
            exprs.append(sql.SQL("t.{}::text").format(sql.Identifier(column)))
        else:
            exprs.append(sql.SQL("(SELECT ARRAY[{}] FROM {}.{} AS p WHERE p.{} = t.{})").format(
                sql.SQL(", ").join(
                    sql.SQL("p.{}::text").format(sql.Identifier(k.name)) for k in ref.key
                ),
                sql.Identifier(ref.parent[0]), sql.Identifier(ref.parent[1]),
                sql.Identifier(ref.parent_column), sql.Identifier(column),
            ))
    cur.execute(sql.SQL("SELECT {} FROM {}.{} AS t").format(
        sql.SQL(", ").join(exprs), sql.Identifier(table.schema), sql.Identifier(table.name)
    ))
    # A reference comes back as an array of the parent's key texts: a tuple, to compare.
    return [
        dict(zip(side.columns, (tuple(v) if isinstance(v, list) else v for v in record),
                 strict=True))
        for record in cur.fetchall()
    ]


def _key_rows(side: Side, label: str) -> None:
    """Index the side's rows by key, or say why they cannot be (side.problem)."""
    table, key_columns = side.table, side.table.key or ()
    missing = [k for k in key_columns if k not in side.shape.columns]
    if missing:
        side.problem = (
            f"{table.qualified}: key column {', '.join(missing)} does not exist in {label}"
        )
        return
    for row in side.records:
        key = tuple(row[k] for k in key_columns)
        if any(part is None for part in key):
            side.problem = (
                f"{table.qualified} in {label}: a row has NULL in its key "
                f"({', '.join(key_columns)}): {show_row(side, row)}"
            )
            return
        if key in side.rows:
            side.problem = (
                f"{table.qualified} in {label}: two rows share the key {match(side, key)}; "
                "a natural key must identify one row"
            )
            return
        side.rows[key] = row
