"""Rehearsal rows: a database populated the way a user's is, before a migration is trusted.

An empty database proves the DDL but not what it does to rows: SET NOT NULL, a new
UNIQUE or CHECK, a `text → integer` cast all pass on no rows. So the rehearsal clone gets
`supabase/seed.sql` (the Supabase CLI's seed convention) and then, for every table of
the managed schemas and the tables they reference, three generated rows, parents first:

- row 0 has NULL in every nullable column; rows 1 and 2 fill every column;
- rows 1 and 2 repeat the value of every column that is in no unique index, and differ
  where one is (so a new UNIQUE meets duplicates);
- values sit at the edges of their type: text that is not a number and holds a quote,
  timestamps with a time of day, fractional numerics, every enum label in turn;
- a foreign key takes an existing parent row's values.

Fast path: one round trip, one three-row INSERT per table, each committed on its own
(a subtransaction per row costs twice as much at 1000 tables). A table whose INSERT fails
(Postgres names it in the error) takes the slow path, a DO block with each row in its own
subtransaction, retried with the columns' defaults and otherwise skipped; then the fast
path resumes after it. A table left without rows is reported with Postgres's reason,
never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg2
from psycopg2.extensions import quote_ident

from .. import sql as sql_files
from ..apply import apply_sql, connection_lost
from ..errors import SQLInputError
from ..sources import SqlFile
from .literals import literal

ROWS_PER_TABLE = 3
_NOTICE = "schemadiff-sample"


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    base: str
    category: str
    labels: tuple[str, ...] | None
    not_null: bool
    has_default: bool
    automatic: bool  # identity, serial or generated: always left to Postgres
    unique: bool


@dataclass
class _Table:
    schema: str
    name: str
    columns: list[_Column] = field(default_factory=list)
    # (columns, parent ident, parent columns)
    foreign_keys: list[tuple[tuple[str, ...], tuple[str, str], tuple[str, ...]]] = field(
        default_factory=list)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class Populated:
    """What the rehearsal database was given: seed files, tables skipped and why."""

    seed_files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # table -> Postgres's reason
    notes: list[str] = field(default_factory=list)


def _value(column: _Column, index: int, position: int = 0) -> str | None:
    """Text of a sample value of the column's (base) type, or None when there is none.

    `position` (the column's place in its table) moves times later column by column, so
    that `ends_at > starts_at` holds for the usual column order.
    """
    base, category = column.base, column.category
    hour = 10 + position % 12
    if column.labels is not None:
        return column.labels[index % len(column.labels)] if column.labels else None
    if category == "B":
        return ("true", "false", "true")[index % 3]
    if category == "N":
        if base in ("int2", "int4", "int8", "oid"):
            # Unique integers (ids) above the small numbers a seed file uses; within int2.
            return str(index + (1001 if column.unique else 1))
        return f"{index + 1}.5"
    if category == "S":
        # Not a number, holds a quote and a non-ASCII letter: casts and length checks bite.
        return f"sample {index}: it's not a number, é"
    if base in ("timestamptz",):
        return f"2025-01-{15 + index} {hour}:3{index}:45.123456+00"
    if base == "timestamp":
        return f"2025-01-{15 + index} {hour}:3{index}:45.123456"
    if base == "date":
        return f"2025-01-{15 + index}"
    if base in ("time", "timetz"):
        return f"{hour}:3{index}:45" + ("+02" if base == "timetz" else "")
    if base == "interval":
        return f"{index + 1} days 02:03:04"
    if base == "uuid":
        return f"00000000-0000-4000-8000-{index + 1:012d}"
    if base in ("json", "jsonb"):
        return f'{{"sample": {index}, "text": "it\'s"}}'
    if base == "bytea":
        return f"\\x00ff{index:02x}"
    if base == "inet":
        return f"192.0.2.{index + 1}"
    if base == "cidr":
        return f"10.{index}.0.0/16"
    if base in ("macaddr", "macaddr8"):
        return f"08:00:2b:01:02:0{index}" + (":03:04" if base == "macaddr8" else "")
    if category == "A":
        return "{}"
    if base == "point":
        return f"({index},{index})"
    return None


def _read(cur, schemas: tuple[str, ...], unmanaged: tuple[str, ...]) -> list[_Table]:
    """Managed tables and the tables they reference (auth.users, say), parents first."""
    cur.execute(sql_files.load("sample_foreign_keys.sql"),
                {"schemas": _all_schemas(cur)})
    fks: dict[tuple[str, str], list] = {}
    for schema, name, parent_schema, parent_name, columns, parent_columns in cur.fetchall():
        fks.setdefault((schema, name), []).append(
            (tuple(columns), (parent_schema, parent_name), tuple(parent_columns)))
    cur.execute(sql_files.load("sample_columns.sql"), {"schemas": _all_schemas(cur)})
    every: dict[tuple[str, str], _Table] = {}
    for (schema, name, column, type_, base, category, labels, not_null, has_default,
         automatic, generated, unique) in cur.fetchall():
        table = every.setdefault((schema, name), _Table(schema, name))
        if generated:
            continue
        table.columns.append(_Column(column, type_, base, category,
                                     tuple(labels) if labels is not None else None,
                                     not_null, has_default, automatic, unique))
    wanted = [ident for ident in sorted(every)
              if ident[0] in schemas and f"{ident[0]}.{ident[1]}" not in unmanaged]
    chosen: list[tuple[str, str]] = []
    while wanted:  # the tables referenced, transitively
        ident = wanted.pop()
        if ident in chosen or ident not in every:
            continue
        chosen.append(ident)
        every[ident].foreign_keys = fks.get(ident, [])
        wanted += [parent for _, parent, _ in every[ident].foreign_keys]
    return _parents_first([every[i] for i in sorted(chosen)])


def _all_schemas(cur) -> list[str]:
    cur.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                "AND nspname <> 'information_schema'")
    return [row[0] for row in cur.fetchall()]


def _parents_first(tables: list[_Table]) -> list[_Table]:
    by_ident = {(t.schema, t.name): t for t in tables}
    order: list[_Table] = []
    placed: set[tuple[str, str]] = set()

    def place(table: _Table, trail: tuple) -> None:
        ident = (table.schema, table.name)
        if ident in placed or ident in trail:  # a cycle: its nullable keys get NULL
            return
        for _, parent, _ in table.foreign_keys:
            if parent in by_ident and parent != ident:
                place(by_ident[parent], (*trail, ident))
        placed.add(ident)
        order.append(table)

    for table in tables:
        place(table, ())
    return order


def _q(conn, *names: str) -> str:
    return ".".join(quote_ident(n, conn) for n in names)


def _row(conn, table: _Table, index: int, defaults: bool) -> str | None:
    """INSERT of sample row `index`; `defaults`: leave every column with a default to it."""
    fk_of: dict[str, tuple[tuple[str, str], str, tuple[str, ...]]] = {}
    for columns, parent, parent_columns in table.foreign_keys:
        for name, parent_column in zip(columns, parent_columns, strict=True):
            fk_of.setdefault(name, (parent, parent_column, parent_columns))
    names: list[str] = []
    values: list[str] = []
    for position, column in enumerate(table.columns):
        if column.automatic or (defaults and column.has_default):
            continue
        if index == 0 and not column.not_null:
            names.append(quote_ident(column.name, conn))
            values.append("NULL")
            continue
        # Rows 1 and 2 repeat a value wherever no unique index forbids it.
        at = index if column.unique or index < 2 else 1
        fk = fk_of.get(column.name)
        if fk is not None:
            parent, parent_column, parent_columns = fk
            order = ", ".join(quote_ident(c, conn) for c in parent_columns)
            parent_sql = _q(conn, *parent)
            value = (f"(SELECT {quote_ident(parent_column, conn)} FROM {parent_sql} "
                     f"ORDER BY {order} OFFSET (SELECT {at} % greatest(count(*), 1) "
                     f"FROM {parent_sql}) LIMIT 1)")
        else:
            text = _value(column, at, position)
            if text is None:
                if column.not_null and not column.has_default:
                    return None  # no value for this type: the table cannot get rows
                continue
            value = literal(text, column.type)
            if value == text:  # bare integers and booleans: keep the column's own type
                value = f"{text}::{column.type}"
        names.append(quote_ident(column.name, conn))
        values.append(value)
    target = _q(conn, table.schema, table.name)
    if not names:
        return f"INSERT INTO {target} DEFAULT VALUES"
    return f"INSERT INTO {target} ({', '.join(names)}) VALUES ({', '.join(values)})"


def _block(conn, tables: list[_Table]) -> str:
    """One DO block: each row in a subtransaction, retried with defaults, else reported."""
    lines = ["DO $schemadiff_samples$", "BEGIN"]
    for table in tables:
        label = literal(table.qualified, "text")
        for index in range(ROWS_PER_TABLE):
            tries = []
            for statement in (_row(conn, table, index, False), _row(conn, table, index, True)):
                if statement is not None and statement not in tries:
                    tries.append(statement)
            if not tries:
                lines.append(f"  RAISE NOTICE '{_NOTICE}|%|%', {label}, "
                             "'no sample value for a NOT NULL column of its type';")
                continue
            body = f"RAISE NOTICE '{_NOTICE}|%|%', {label}, SQLERRM;"
            for statement in reversed(tries):
                body = (f"BEGIN {statement}; EXCEPTION WHEN others THEN {body} END;")
            lines.append(f"  {body}")
    lines += ["END", "$schemadiff_samples$;"]
    return "\n".join(lines)


def _together(conn, table: _Table) -> str | None:
    """One INSERT of all sample rows of `table`, or None when they differ in shape."""
    rows = [_row(conn, table, index, False) for index in range(ROWS_PER_TABLE)]
    if any(r is None for r in rows):
        return None
    heads = {r.partition(" VALUES ")[0] for r in rows if r is not None}
    if len(heads) != 1 or "DEFAULT VALUES" in next(iter(heads)):
        return None
    values = ", ".join(r.partition(" VALUES ")[2] for r in rows if r is not None)
    return f"{heads.pop()} VALUES {values}"


def _fill(conn, cur, tables: list[_Table]) -> None:
    """Sample rows into `tables` (parents first): the fast path, the slow one where it fails."""
    pending = list(tables)
    while pending:
        statements = [_together(conn, t) for t in pending]
        first_slow = next((i for i, st in enumerate(statements) if st is None), len(pending))
        if first_slow:
            # COMMIT after each: a failing INSERT leaves the tables before it filled.
            text = "".join(f"BEGIN; {st}; COMMIT;\n" for st in statements[:first_slow] if st)
            try:
                cur.execute(text)
            except psycopg2.Error as exc:
                if connection_lost(conn, exc):
                    raise
                cur.execute("ROLLBACK")  # the failing table's own BEGIN
                at = next((i for i, t in enumerate(pending[:first_slow])
                           if (t.schema, t.name) == (exc.diag.schema_name, exc.diag.table_name)),
                          None)
                if at is None:  # no table named (a cast, say): the slow path for the rest
                    cur.execute(_block(conn, pending))
                    return
                first_slow = at
        if first_slow < len(pending):
            cur.execute(_block(conn, [pending[first_slow]]))
        pending = pending[first_slow + 1:]


def _with_empty_parents(cur, tables: list[_Table], only: set[str]) -> list[_Table]:
    """The tables of `only`, and the tables they reference that hold no row (a new table's
    rows need parents: auth.users, say)."""
    by_name = {t.qualified: t for t in tables}
    parents: set[str] = set()
    pending = [name for name in only if name in by_name]
    while pending:
        for _, parent, _ in by_name[pending.pop()].foreign_keys:
            name = ".".join(parent)
            if name in by_name and name not in only and name not in parents:
                parents.add(name)
                pending.append(name)
    counts = count_rows(cur, sorted(parents))
    wanted = set(only) | {name for name in parents if not counts.get(name)}
    return [t for t in tables if t.qualified in wanted]


def populate(conn, schemas: tuple[str, ...], unmanaged: tuple[str, ...],
             seed_files: list[SqlFile], only: set[str] | None = None,
             left_empty: Mapping[str, str] | None = None) -> Populated:
    """Fill the database of autocommit connection `conn` with seed files, then sample rows
    (`only`: in these schema.table names alone; `left_empty`: {table: why} never in
    these, e.g. a table schema.sql declares holds no rows that matter)."""
    result = Populated()
    left_empty = left_empty or {}
    for seed in seed_files:
        try:
            apply_sql(conn, seed)
            result.seed_files.append(seed.label)
        except SQLInputError as exc:
            # seed.sql is written for schema.sql; on the state before it, it may not apply.
            result.notes.append(f"{seed.label} was not loaded (the rows below are generated "
                                f"only): {exc.message}")
    with conn.cursor() as cur:
        tables = _read(cur, schemas, unmanaged)
        if only is not None:
            tables = _with_empty_parents(cur, tables, only)
        tables = [t for t in tables if t.qualified not in left_empty]
        conn.notices = []  # psycopg2 keeps only the last 50 unless given a list of our own
        _fill(conn, cur, tables)
        failed: dict[str, str] = {}
        for notice in conn.notices:
            _, _, rest = notice.partition(f"{_NOTICE}|")
            table, _, reason = rest.strip().partition("|")
            if table:
                failed.setdefault(table, reason)
        counts = count_rows(cur, [t.qualified for t in tables if t.qualified in failed])
    result.skipped = {t: reason for t, reason in failed.items() if not counts.get(t)}
    result.skipped.update(left_empty)
    return result


def count_rows(cur, tables: list[str]) -> dict[str, int]:
    """{schema.table: rows} for the given tables, in one query."""
    if not tables:
        return {}
    parts = []
    for qualified in tables:
        schema, _, name = qualified.partition(".")
        parts.append(f"SELECT {literal(qualified, 'text')}, count(*) FROM "
                      f"{_q(cur.connection, schema, name)}")
    cur.execute(" UNION ALL ".join(parts))
    return dict(cur.fetchall())
