"""Reference data as declared state: the rows schema.sql INSERTs, diffed by natural key.

Schema diff tools stop at DDL. Here every table that schema.sql INSERTs into, plus
every table listed in [tool.schemadiff] reference_tables, holds reference data: its
rows are matched between two databases by a natural key and turned into idempotent
upserts and deletes, and the reverse for the rollback.

The rules, in one place:
- Columns compared and written are those the INSERTs name (the union over all INSERTs
  into the table). Columns left to defaults (id, created_at, updated_at) are neither
  compared nor overwritten. An INSERT without a column list is refused: the list is
  what declares which columns are data.
- INSERTs hidden in function bodies or DO blocks are not seen: list such a table in
  config; its columns are then those without a default, plus the key.
- Unqualified table names resolve to `public`, or to the first schema of the last
  `SET search_path` before the INSERT.
- Values are read as Postgres's own text output (in fixed session settings) and
  written back as '<text>'::type, which round-trips every type. Two values are equal
  when that output is equal: Postgres prints jsonb canonically (keys sorted,
  whitespace normalized), so {"b":1, "a":2} equals {"a": 2, "b": 1}; 1.0 and 1.00 are
  stored, and printed, differently, so changing one into the other is a change.
- A column that points, by a single-column foreign key, at a generated id of another
  reference table (`category_id` → content_categories.id) is matched and written by
  the parent row's natural key, because generated ids differ between databases.
- Literals are '...' with quotes doubled, or U&'...' when the text holds control
  characters (newline, tab), so one statement is one line. Both assume
  standard_conforming_strings = on (the default since PostgreSQL 9.1).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pglast
from pglast import ast
from psycopg2 import sql
from psycopg2.extensions import TRANSACTION_STATUS_INTRANS

from . import sql as sql_files
from .apply import SqlFile, pointer, split_statements
from .errors import SQLInputError, UsageError

CONFIGURED = "configured in pyproject.toml"

Ident = tuple[str, str]  # (schema, name)
Value = str | tuple | None  # text output, a parent's natural key (tuple), or NULL


@dataclass(frozen=True)
class ReferenceTable:
    """A table whose rows are declared state, and the natural key its rows are matched by."""

    schema: str
    name: str
    columns: tuple[str, ...]  # columns the INSERTs provide; in table order once resolved
    key: tuple[str, ...] | None = None  # natural key: configured, or picked by resolve_keys
    key_origin: str = ""  # why this key, for messages
    # The first INSERT's own ON CONFLICT target: column names, or a constraint name.
    conflict_target: tuple[str, ...] | str | None = None
    where: str = ""  # the first INSERT (file:line:col), or the config that lists the table

    @property
    def ident(self) -> Ident:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class RowChanges:
    """Reference-data statements; the pipeline runs deletes before the DDL, upserts after it."""

    up_deletes: list[str] = field(default_factory=list)  # children first
    up_upserts: list[str] = field(default_factory=list)  # parents first
    down_deletes: list[str] = field(default_factory=list)
    down_upserts: list[str] = field(default_factory=list)
    destructive: list[str] = field(default_factory=list)  # the up DELETEs

    @property
    def empty(self) -> bool:
        return not (self.up_deletes or self.up_upserts)


# --- which tables: parsing schema.sql ----------------------------------------------


def reference_tables(
    source: SqlFile, configured: dict[str, tuple[str, ...]]
) -> list[ReferenceTable]:
    """Tables `source` INSERTs into (found by pglast), plus configured ones, with their keys."""
    found: dict[Ident, ReferenceTable] = {}
    search_schema = "public"
    for statement in split_statements(source):
        if not _may_matter(statement.text):
            continue
        for raw in pglast.parse_sql(statement.text):
            node = raw.stmt
            if node is None:
                continue
            if isinstance(node, ast.VariableSetStmt) and node.name == "search_path":
                search_schema = _first_schema(node)
            for insert in _inserts(node):
                table = _declared(source, statement.offset, insert, search_schema)
                known = found.get(table.ident)
                found[table.ident] = table if known is None else _merged(known, table)
    for qualified, key in configured.items():
        schema, _, name = qualified.partition(".")
        known = found.get((schema, name))
        if known is None:
            known = ReferenceTable(schema, name, (), where="pyproject.toml reference_tables")
        found[(schema, name)] = replace(known, key=tuple(key), key_origin=CONFIGURED)
    return [found[ident] for ident in sorted(found)]


# Words without which a statement is neither an INSERT (keywords cannot be quoted) nor a
# change of search_path (SET search_path, SET SCHEMA): parsing only statements holding
# one of them gives the same tables, 20x faster on a large schema.sql.
_RELEVANT_WORDS = ("insert", "search_path", "schema")


def _may_matter(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _RELEVANT_WORDS)


def _first_schema(node: ast.VariableSetStmt) -> str:
    # RESET / SET ... TO DEFAULT bring back the default path, whose first usable schema
    # is public; "$user" names a schema only when one matches the role, so it is skipped.
    for arg in node.args or ():
        value = getattr(getattr(arg, "val", None), "sval", None)
        if value and value != "$user":
            return value
    return "public"


def _inserts(node: ast.Node) -> Iterator[ast.InsertStmt]:
    # Top-level INSERTs and those in a top-level WITH: what runs when the file loads.
    # Not a general tree walk, which would also find INSERTs in rules and
    # BEGIN ATOMIC function bodies, which do not run at load time.
    if isinstance(node, ast.InsertStmt):
        yield node
    with_clause = getattr(node, "withClause", None)
    for cte in (with_clause.ctes or ()) if with_clause else ():
        yield from _inserts(cte.ctequery)


def _declared(
    source: SqlFile, offset: int, insert: ast.InsertStmt, search_schema: str
) -> ReferenceTable:
    relation = insert.relation
    assert relation is not None and relation.relname  # the grammar requires a target
    schema = relation.schemaname or search_schema
    where, shown = pointer(source, offset + max(relation.location or 0, 0))
    if not insert.cols:
        raise SQLInputError(
            f"{where}: INSERT INTO {schema}.{relation.relname} has no column list.",
            detail=shown + "\n  Reference data is declared column by column: name the columns "
            f"the rows provide, e.g. INSERT INTO {schema}.{relation.relname} (col_a, col_b) "
            "VALUES (...). Columns left out keep their defaults and are not compared.",
        )
    columns = tuple(dict.fromkeys(target.name for target in insert.cols))
    return ReferenceTable(
        schema, relation.relname, columns, conflict_target=_conflict_target(insert), where=where
    )


def _conflict_target(insert: ast.InsertStmt) -> tuple[str, ...] | str | None:
    clause = insert.onConflictClause
    infer = clause.infer if clause else None
    if infer is None:
        return None
    if infer.conname:
        return infer.conname
    elems = infer.indexElems or ()
    if elems and all(e.name and e.expr is None for e in elems):
        return tuple(e.name for e in elems)
    return None  # an expression target names no plain columns


def _merged(first: ReferenceTable, later: ReferenceTable) -> ReferenceTable:
    return replace(
        first,
        columns=tuple(dict.fromkeys(first.columns + later.columns)),
        conflict_target=first.conflict_target or later.conflict_target,
    )


# --- the catalog of one database ----------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    sql: str  # quote_ident(name): safe in a statement, unquoted when it can be
    type: str  # format_type(): schema-qualified, with typmod
    has_default: bool
    generated: bool
    identity: str  # '' | 'a' (ALWAYS) | 'd' (BY DEFAULT)


@dataclass(frozen=True)
class _Unique:
    index: str
    constraint: str | None
    primary: bool
    columns: tuple[str, ...]
    attnums: tuple[int, ...]
    arbiter: bool  # usable as ON CONFLICT (columns): not partial, no expressions, not deferrable


@dataclass(frozen=True)
class _ForeignKey:
    parent: Ident
    columns: tuple[str, ...]
    parent_columns: tuple[str, ...]


@dataclass
class _Shape:
    """One table as one database has it."""

    sql: str  # quoted schema.name
    columns: dict[str, _Column] = field(default_factory=dict)  # in table order
    uniques: list[_Unique] = field(default_factory=list)
    foreign_keys: list[_ForeignKey] = field(default_factory=list)

    def arbiter_for(self, key: tuple[str, ...]) -> bool:
        return any(u.arbiter and set(u.columns) == set(key) for u in self.uniques)


@contextlib.contextmanager
def _reading(conn) -> Iterator:
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


def _catalog(cur, tables: list[ReferenceTable]) -> dict[Ident, _Shape]:
    params = {"schemas": [t.schema for t in tables], "names": [t.name for t in tables]}
    shapes: dict[Ident, _Shape] = {}
    cur.execute(sql_files.load("data_columns.sql"), params)
    for schema, name, table_sql, column, column_sql, type_, default, generated, identity in (
        cur.fetchall()
    ):
        shape = shapes.setdefault((schema, name), _Shape(table_sql))
        shape.columns[column] = _Column(column, column_sql, type_, default, generated, identity)
    cur.execute(sql_files.load("data_unique_keys.sql"), params)
    for schema, name, index, constraint, primary, columns, attnums, unusable in cur.fetchall():
        if (schema, name) in shapes:
            shapes[(schema, name)].uniques.append(
                _Unique(index, constraint, primary, tuple(columns), tuple(attnums), not unusable)
            )
    cur.execute(sql_files.load("data_foreign_keys.sql"), params)
    for schema, name, parent_schema, parent_name, columns, parent_columns in cur.fetchall():
        if (schema, name) in shapes:
            shapes[(schema, name)].foreign_keys.append(
                _ForeignKey((parent_schema, parent_name), tuple(columns), tuple(parent_columns))
            )
    return shapes


# --- the natural key ----------------------------------------------------------------


def resolve_keys(conn, tables: list[ReferenceTable]) -> list[ReferenceTable]:
    """Tables with columns in table order and a natural key, from the "desired" database's catalog.

    Key choice, first that applies: the configured key; the INSERTs' own ON CONFLICT
    target; the primary key; a unique constraint; a unique index. Among equals: fewest
    columns, then the columns that come first in the table, then the index name. Only
    unique keys whose columns the INSERTs all provide count. INSERT targets that no
    longer exist once schema.sql has loaded (dropped, temporary) are left out.
    """
    with _reading(conn) as cur:
        shapes = _catalog(cur, tables)
    resolved = []
    for table in tables:
        shape = shapes.get(table.ident)
        if shape is None:
            if table.key_origin == CONFIGURED:
                raise UsageError(
                    f"{table.qualified} is listed in [tool.schemadiff] reference_tables, "
                    "but schema.sql does not create it.",
                    detail="Remove it from reference_tables in pyproject.toml, or fix the name "
                    "(schema.table).",
                )
            continue
        resolved.append(_resolved(table, shape))
    return resolved


def _resolved(table: ReferenceTable, shape: _Shape) -> ReferenceTable:
    unknown = [c for c in table.columns if c not in shape.columns]
    if unknown:
        raise UsageError(
            f"{table.where}: {table.qualified} has no column {', '.join(unknown)} once "
            "schema.sql has loaded; reference data can only declare columns the table keeps."
        )
    if table.key_origin == CONFIGURED:
        key = _configured_key(table, shape)
        declared = set(table.columns or _columns_without_default(shape)) | set(key)
        origin = CONFIGURED
    else:
        declared = set(table.columns)
        unique = _pick_key(table, shape)
        if unique is None:
            raise _no_key_error(table, shape)
        key, origin = unique
    columns = tuple(name for name in shape.columns if name in declared)
    return replace(table, columns=columns, key=key, key_origin=origin)


def _columns_without_default(shape: _Shape) -> list[str]:
    return [
        c.name for c in shape.columns.values()
        if not (c.has_default or c.generated or c.identity)
    ]


def _configured_key(table: ReferenceTable, shape: _Shape) -> tuple[str, ...]:
    key = table.key or ()
    problems = []
    for name in key:
        column = shape.columns.get(name)
        if column is None:
            problems.append(f"{name} is not a column of the table")
        elif column.generated:
            problems.append(f"{name} is a generated column")
        elif table.columns and name not in table.columns:
            problems.append(f"{name} is not provided by the INSERTs ({table.where})")
    if not key or problems:
        raise UsageError(
            f"pyproject.toml: [tool.schemadiff] reference_tables key {list(key)} for "
            f"{table.qualified} cannot be used: {'; '.join(problems) or 'it is empty'}.",
            detail="The key must name columns that the INSERTs provide and that identify a row.",
        )
    return key


def _pick_key(table: ReferenceTable, shape: _Shape) -> tuple[tuple[str, ...], str] | None:
    provided = set(table.columns)
    candidates = [u for u in shape.uniques if u.arbiter and set(u.columns) <= provided]
    hint = table.conflict_target
    for unique in candidates:
        if (isinstance(hint, tuple) and set(hint) == set(unique.columns)) or (
            isinstance(hint, str) and hint == unique.constraint
        ):
            target = ", ".join(hint) if isinstance(hint, tuple) else f"ON CONSTRAINT {hint}"
            return unique.columns, f"ON CONFLICT ({target}) of the INSERT at {table.where}"
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda u: (not u.primary, u.constraint is None, len(u.columns), u.attnums, u.index),
    )
    kind = "primary key" if best.primary else (
        "unique constraint" if best.constraint else "unique index"
    )
    return best.columns, f"{kind} {best.constraint or best.index}"


def _no_key_error(table: ReferenceTable, shape: _Shape) -> UsageError:
    provided = set(table.columns)
    found = []
    for unique in shape.uniques:
        missing = [c for c in unique.columns if c not in provided]
        why = (
            "partial, on expressions, or deferrable" if not unique.arbiter
            else f"{', '.join(missing)} left to defaults by the INSERTs"
        )
        found.append(f"{unique.constraint or unique.index} ({', '.join(unique.columns)}): {why}")
    example = table.columns[0] if table.columns else "col"
    return UsageError(
        f"{table.qualified} holds reference data ({table.where} INSERTs into it) but has no "
        "usable natural key to match its rows by.",
        detail=(
            "  A natural key is a unique constraint or index (not partial, no expressions, not\n"
            "  deferrable) whose columns the INSERTs all provide.\n"
            f"  The INSERTs provide: {', '.join(table.columns)}.\n"
            f"  Unique keys of the table: {'; '.join(found) or 'none'}.\n"
            "  Declare one in schema.sql, e.g.\n"
            f"    ALTER TABLE {table.qualified} ADD CONSTRAINT {table.name}_{example}_key "
            f"UNIQUE ({example});\n"
            "  or name the key columns in pyproject.toml:\n"
            "    [tool.schemadiff]\n"
            f'    reference_tables = {{"{table.qualified}" = ["{example}"]}}'
        ),
    )


# --- rows of one database -----------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A column holding a reference table's generated id, matched by the parent's natural key."""

    parent: Ident
    parent_sql: str
    parent_column: str
    parent_column_sql: str
    key: tuple[_Column, ...]  # the parent's natural key


@dataclass
class _Side:
    """One reference table as one database holds it."""

    table: ReferenceTable
    shape: _Shape
    columns: tuple[str, ...]  # the declared columns this database has
    refs: dict[str, _Ref]
    records: list[dict[str, Value]] = field(default_factory=list)  # every row, as read
    rows: dict[tuple, dict[str, Value]] = field(default_factory=dict)  # by key
    problem: str | None = None  # why rows cannot be matched by key here

    @property
    def arbiter(self) -> bool:
        return self.shape.arbiter_for(self.table.key or ())


def _read(conn, tables: list[ReferenceTable], label: str) -> dict[Ident, _Side]:
    for table in tables:
        if table.key is None:
            raise ValueError(f"{table.qualified}: no key; call resolve_keys first")
    with _reading(conn) as cur:
        shapes = _catalog(cur, tables)
        refs = _refs(tables, shapes)
        sides = {}
        for table in tables:
            shape = shapes.get(table.ident)
            if shape is None:
                continue
            columns = tuple(c for c in table.columns if c in shape.columns)
            side = _Side(table, shape, columns, refs.get(table.ident, {}))
            side.records = _fetch(cur, side)
            _key_rows(side, label)
            sides[table.ident] = side
    return sides


def _refs(
    tables: list[ReferenceTable], shapes: dict[Ident, _Shape]
) -> dict[Ident, dict[str, _Ref]]:
    by_ident = {t.ident: t for t in tables}
    refs: dict[Ident, dict[str, _Ref]] = {}
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
            refs.setdefault(table.ident, {})[fk.columns[0]] = _Ref(
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


def _fetch(cur, side: _Side) -> list[dict[str, Value]]:
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


def _key_rows(side: _Side, label: str) -> None:
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
                f"({', '.join(key_columns)}): {_show_row(side, row)}"
            )
            return
        if key in side.rows:
            side.problem = (
                f"{table.qualified} in {label}: two rows share the key {_match(side, key)}; "
                "a natural key must identify one row"
            )
            return
        side.rows[key] = row


# --- rendering ----------------------------------------------------------------------

# Types whose text output is also a SQL literal of the type: left bare, to read well.
_BARE_NUMBERS = {"smallint", "integer", "bigint"}


def _literal(text: str | None, type_: str) -> str:
    """A SQL literal that gives back exactly `text` as a `type_` value."""
    if text is None:
        return "NULL"
    if type_ in _BARE_NUMBERS or (type_ == "boolean" and text in ("true", "false")):
        return text  # integers and booleans read as themselves (bool::text is 'true'/'false')
    quoted = _quoted(text)
    return quoted if type_ == "text" else f"{quoted}::{type_}"


def _quoted(text: str) -> str:
    # Unprintable characters (newline, tab, zero-width, line separators) as U&'' escapes:
    # a statement stays on one line, and they are visible, and no editor or CRLF
    # conversion can change a value inside a migration file.
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    escaped = {"'": "''", "\\": "\\\\"}
    body = "".join(
        escaped.get(ch, ch) if ch.isprintable()
        else f"\\{ord(ch):04X}" if ord(ch) <= 0xFFFF else f"\\+{ord(ch):06X}"
        for ch in text
    )
    return f"U&'{body}'"


def _value(side: _Side, column: str, value: Value) -> str:
    ref = side.refs.get(column)
    if isinstance(value, tuple) and ref is not None:
        where = " AND ".join(
            f"{k.sql} = {_literal(v, k.type)}" for k, v in zip(ref.key, value, strict=True)
        )
        return f"(SELECT {ref.parent_column_sql} FROM {ref.parent_sql} WHERE {where})"
    assert not isinstance(value, tuple)  # a tuple is only ever read through a reference
    return _literal(value, side.shape.columns[column].type)


def _match(side: _Side, key: tuple) -> str:
    return " AND ".join(
        f"{side.shape.columns[c].sql} = {_value(side, c, v)}"
        for c, v in zip(side.table.key or (), key, strict=True)
    )


def _show_row(side: _Side, row: dict[str, Value]) -> str:
    return ", ".join(f"{c} = {_value(side, c, row[c])}" for c in side.columns)


def _insert(side: _Side, key: tuple, update: list[str] | None = None) -> str:
    """An idempotent upsert of the row at `key`: insert it, or set the `update` columns."""
    row = side.rows[key]
    target = side.shape.sql
    cols = [side.shape.columns[c] for c in side.columns]
    names = ", ".join(c.sql for c in cols)
    values = ", ".join(_value(side, c.name, row[c.name]) for c in cols)
    overriding = " OVERRIDING SYSTEM VALUE" if any(c.identity == "a" for c in cols) else ""
    if side.arbiter:
        conflict = ", ".join(side.shape.columns[k].sql for k in side.table.key or ())
        if update:
            sets = ", ".join(
                f"{side.shape.columns[c].sql} = EXCLUDED.{side.shape.columns[c].sql}"
                for c in update
            )
            action = f"DO UPDATE SET {sets}"
        else:
            action = "DO NOTHING"
        return (
            f"INSERT INTO {target} ({names}){overriding} VALUES ({values}) "
            f"ON CONFLICT ({conflict}) {action};"
        )
    # No unique index on exactly the key on this side (a configured key, or a rollback to
    # a state before the constraint existed): ON CONFLICT cannot name it.
    if update:
        sets = ", ".join(f"{side.shape.columns[c].sql} = {_value(side, c, row[c])}" for c in update)
        return f"UPDATE {target} SET {sets} WHERE {_match(side, key)};"
    return (
        f"INSERT INTO {target} ({names}){overriding} SELECT {values} "
        f"WHERE NOT EXISTS (SELECT FROM {target} WHERE {_match(side, key)});"
    )


def _delete(side: _Side, key: tuple) -> str:
    return f"DELETE FROM {side.shape.sql} WHERE {_match(side, key)};"


# --- the diff -----------------------------------------------------------------------


def diff_rows(current_conn, desired_conn, tables: list[ReferenceTable]) -> RowChanges:
    """Upserts and deletes taking the current rows to the desired ones, and back.

    Up deletes and up upserts are rendered for the database they run on: deletes (run
    before the DDL) in the current shape, upserts (after it) in the desired shape; the
    rollback the other way round. Rows of a table the migration creates are deleted
    in the rollback before its DDL drops the table, so a parent's rows can go first.
    """
    current = _read(current_conn, tables, "current (the migrations)")
    desired = _read(desired_conn, tables, "desired (schema.sql)")
    changes = RowChanges()
    per_table: dict[Ident, RowChanges] = {}
    for ident, want in desired.items():
        have = current.get(ident)
        for side in (want, have):
            if side is not None and side.problem:
                raise _unmatched_error(side)
        per_table[ident] = _table_changes(have, want)
    order = _dependency_order(current, desired)
    for ident in order:  # parents first
        changes.up_upserts += per_table[ident].up_upserts
        changes.down_upserts += per_table[ident].down_upserts
    for ident in reversed(order):  # children first
        changes.up_deletes += per_table[ident].up_deletes
        changes.down_deletes += per_table[ident].down_deletes
    changes.destructive = list(changes.up_deletes)
    return changes


def _unmatched_error(side: _Side) -> UsageError:
    table = side.table
    return UsageError(
        f"{side.problem}: reference rows cannot be matched between the two states.",
        detail=(
            f"  The key ({', '.join(table.key or ())}) is the {table.key_origin}.\n"
            "  Give every row a distinct, non-NULL key value. A new key column needs a\n"
            "  migration of its own that adds and fills it first. Or choose another key:\n"
            "    [tool.schemadiff]\n"
            f'    reference_tables = {{"{table.qualified}" = ["column", ...]}}'
        ),
    )


def _table_changes(have: _Side | None, want: _Side) -> RowChanges:
    changes = RowChanges()
    old_rows = have.rows if have else {}
    for key in sorted(set(old_rows) | set(want.rows), key=lambda k: _sort_key(want, k)):
        old, new = old_rows.get(key), want.rows.get(key)
        if have is None or old is None:
            changes.up_upserts.append(_insert(want, key))
            changes.down_deletes.append(_delete(want, key))
        elif new is None:
            changes.up_deletes.append(_delete(have, key))
            changes.down_upserts.append(_insert(have, key))
        else:
            # A column the current state lacks is added by the DDL with its default:
            # the declared value still has to be written.
            up = [c for c in want.columns if c not in have.columns or old[c] != new[c]]
            down = [c for c in have.columns if c in want.columns and old[c] != new[c]]
            if up:
                changes.up_upserts.append(_insert(want, key, up))
            if down:
                changes.down_upserts.append(_insert(have, key, down))
    return changes


def _sort_key(side: _Side, key: tuple) -> tuple:
    # By key, numbers as numbers and text by code point: the same order on every machine,
    # whatever the database collation.
    parts = []
    for column, value in zip(side.table.key or (), key, strict=True):
        if isinstance(value, tuple):
            parts.append((2, 0, "\x00".join(v or "" for v in value)))
        elif side.shape.columns[column].type in _BARE_NUMBERS and value.lstrip("-").isdigit():
            parts.append((0, int(value), ""))
        else:
            parts.append((1, 0, value))
    return tuple(parts)


def _dependency_order(*databases: dict[Ident, _Side]) -> list[Ident]:
    """Reference tables parents first (foreign keys of either database); ties by name."""
    idents = sorted({ident for sides in databases for ident in sides})
    parents: dict[Ident, set[Ident]] = {ident: set() for ident in idents}
    for sides in databases:
        for ident, side in sides.items():
            for fk in side.shape.foreign_keys:
                if fk.parent in parents and fk.parent != ident:
                    parents[ident].add(fk.parent)
    order: list[Ident] = []
    while len(order) < len(idents):
        ready = [i for i in idents if i not in order and parents[i] <= set(order)]
        # A cycle: take the first by name; the proof shows whether the order works.
        order.append(ready[0] if ready else next(i for i in idents if i not in order))
    return [ident for ident in order if ident in databases[-1]]


# --- comparison (proof and verify) --------------------------------------------------


def compare_rows(
    a_conn, b_conn, tables: list[ReferenceTable], labels: tuple[str, str] = ("a", "b")
) -> list[str]:
    """Reference-data differences between two databases, one line each; [] when equal."""
    left_label, right_label = labels
    left = _read(a_conn, tables, left_label)
    right = _read(b_conn, tables, right_label)
    found = []
    for table in tables:
        a, b = left.get(table.ident), right.get(table.ident)
        if a is None and b is None:
            continue
        if a is None or b is None:
            missing_in = left_label if a is None else right_label
            found.append(f"{table.qualified}: table missing in {missing_in}")
            continue
        shared = [c for c in b.columns if c in a.columns]
        if a.problem or b.problem:
            found += _compare_whole_rows(a, b, shared, labels)
            continue
        for key in sorted(set(a.rows) | set(b.rows), key=lambda k: _sort_key(b, k)):
            old, new = a.rows.get(key), b.rows.get(key)
            side = b if new is not None else a
            where = f"{table.qualified} ({_match(side, key)})"
            if old is None or new is None:
                found.append(f"{where}: row only in {right_label if old is None else left_label}")
                continue
            for column in shared:
                if old[column] != new[column]:
                    found.append(
                        f"{where}: {column} is {_value(a, column, old[column])} in {left_label}, "
                        f"{_value(b, column, new[column])} in {right_label}"
                    )
    return found


def _compare_whole_rows(
    a: _Side, b: _Side, shared: list[str], labels: tuple[str, str]
) -> list[str]:
    """Without a usable key (an older state, say), rows can still be compared as a multiset."""
    def bag(side: _Side) -> list[tuple]:
        return sorted(tuple(repr(row[c]) for c in shared) for row in side.records)

    if bag(a) == bag(b):
        return []
    return [
        f"{a.table.qualified}: rows differ (compared as whole rows, because "
        f"{a.problem or b.problem}): {len(a.records)} in {labels[0]}, "
        f"{len(b.records)} in {labels[1]}"
    ]
