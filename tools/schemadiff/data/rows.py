"""Reference rows between two databases: the upserts and deletes from one to the other,
and the comparison the proof makes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import sql as sql_files
from ..errors import UsageError
from .declared import Ident, ReferenceTable
from .literals import BARE_NUMBERS, match, sql_value
from .tables import Side, read_sides, reading


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


# --- rendering ----------------------------------------------------------------------


def _holds(side: Side, values: Side | None, key: tuple, columns: list[str],
           qualify: bool) -> str:
    """`col IS NOT DISTINCT FROM <value in values>` for each column: the row still holds
    what the other state declared (a value an admin changed since is left alone)."""
    if values is None or key not in values.rows:
        return ""
    row = values.rows[key]
    prefix = f"{side.shape.sql}." if qualify else ""
    return " AND ".join(
        f"{prefix}{side.shape.columns[c].sql} IS NOT DISTINCT FROM {sql_value(values, c, row[c])}"
        for c in columns if c in values.columns and c in side.shape.columns
    )


def _insert(side: Side, key: tuple, update: list[str] | None = None,
            previous: Side | None = None) -> str:
    """An idempotent upsert of the row at `key`: insert it, or set the `update` columns,
    only where the row still holds the value `previous` declared."""
    row = side.rows[key]
    target = side.shape.sql
    cols = [side.shape.columns[c] for c in side.columns]
    names = ", ".join(c.sql for c in cols)
    values = ", ".join(sql_value(side, c.name, row[c.name]) for c in cols)
    overriding = " OVERRIDING SYSTEM VALUE" if any(c.identity == "a" for c in cols) else ""
    if side.arbiter:
        conflict = ", ".join(side.shape.columns[k].sql for k in side.table.key or ())
        if update:
            sets = ", ".join(
                f"{side.shape.columns[c].sql} = EXCLUDED.{side.shape.columns[c].sql}"
                for c in update
            )
            guard = _holds(side, previous, key, update, qualify=True)
            action = f"DO UPDATE SET {sets}" + (f" WHERE {guard}" if guard else "")
        else:
            action = "DO NOTHING"
        return (
            f"INSERT INTO {target} ({names}){overriding} VALUES ({values}) "
            f"ON CONFLICT ({conflict}) {action};"
        )
    # No unique index on exactly the key on this side (a configured key, or a rollback to
    # a state before the constraint existed): ON CONFLICT cannot name it.
    if update:
        sets = ", ".join(f"{side.shape.columns[c].sql} = {sql_value(side, c, row[c])}"
                         for c in update)
        guard = _holds(side, previous, key, update, qualify=False)
        return f"UPDATE {target} SET {sets} WHERE {match(side, key)}" + (
            f" AND {guard};" if guard else ";")
    return (
        f"INSERT INTO {target} ({names}){overriding} SELECT {values} "
        f"WHERE NOT EXISTS (SELECT FROM {target} WHERE {match(side, key)});"
    )


def _delete(side: Side, key: tuple, referencing: list[tuple] | None = None) -> str:
    """DELETE of the row at `key`; with `referencing` (a rollback removing a row its migration
    inserted): only while it holds the declared values and no row points at it."""
    where = match(side, key)
    if referencing is not None:
        values = [c for c in side.columns if c not in (side.table.key or ())]
        guard = _holds(side, side, key, values, qualify=False)
        where += f" AND {guard}" if guard else ""
        for child_sql, columns, parent_columns in referencing:
            pairs = " AND ".join(
                f"r.{quote_ident(c)} = {side.shape.sql}.{quote_ident(p)}"
                for c, p in zip(columns, parent_columns, strict=True))
            where += f" AND NOT EXISTS (SELECT FROM {child_sql} AS r WHERE {pairs})"
    return f"DELETE FROM {side.shape.sql} WHERE {where};"


def quote_ident(name: str) -> str:
    """A column name as a SQL identifier (always quoted: no connection to ask)."""
    return '"' + name.replace('"', '""') + '"'


def _referencing(conn, tables: list[ReferenceTable]) -> dict[Ident, list[tuple]]:
    """{table: [(child table sql, columns, parent columns)]}: the foreign keys pointing at it."""
    found: dict[Ident, list[tuple]] = {}
    with reading(conn) as cur:
        cur.execute(sql_files.load("data_referencing.sql"),
                    {"schemas": [t.schema for t in tables], "names": [t.name for t in tables]})
        for schema, name, child_sql, _child, _on_delete, columns, parent_columns in (
                cur.fetchall()):
            found.setdefault((schema, name), []).append(
                (child_sql, tuple(columns), tuple(parent_columns)))
    return found


# --- the diff -----------------------------------------------------------------------


def diff_rows(current_conn, desired_conn, tables: list[ReferenceTable]) -> RowChanges:
    """Upserts and deletes taking the current rows to the desired ones, and back.

    Up deletes and up upserts are rendered for the database they run on: deletes (run
    before the DDL) in the current shape, upserts (after it) in the desired shape; the
    rollback the other way round. Rows of a table the migration creates are deleted
    in the rollback before its DDL drops the table, so a parent's rows can go first.
    """
    current = read_sides(current_conn, tables, "current (the migrations)")
    desired = read_sides(desired_conn, tables, "desired (schema.sql)")
    referencing = _referencing(desired_conn, tables)
    changes = RowChanges()
    per_table: dict[Ident, RowChanges] = {}
    for ident, want in desired.items():
        have = current.get(ident)
        for side in (want, have):
            if side is not None and side.problem:
                raise _unmatched_error(side)
        per_table[ident] = _table_changes(have, want, referencing.get(ident, []))
    order = _dependency_order(current, desired)
    for ident in order:  # parents first
        changes.up_upserts += per_table[ident].up_upserts
        changes.down_upserts += per_table[ident].down_upserts
    for ident in reversed(order):  # children first
        changes.up_deletes += per_table[ident].up_deletes
        changes.down_deletes += per_table[ident].down_deletes
    changes.destructive = list(changes.up_deletes)
    changes.up_deletes = _allowing_storage_deletes(changes.up_deletes)
    changes.down_deletes = _allowing_storage_deletes(changes.down_deletes)
    return changes


# Supabase refuses a plain DELETE on storage tables (storage.protect_delete(), 2026) unless
# the transaction sets this; a migration deleting bucket rows it declares has to.
_STORAGE_DELETES = "SET LOCAL storage.allow_delete_query = 'true';"


def _allowing_storage_deletes(deletes: list[str]) -> list[str]:
    if any(d.startswith(("DELETE FROM storage.", 'DELETE FROM "storage".')) for d in deletes):
        return [_STORAGE_DELETES, *deletes]
    return deletes


def _unmatched_error(side: Side) -> UsageError:
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


def _table_changes(have: Side | None, want: Side, referencing: list[tuple]) -> RowChanges:
    changes = RowChanges()
    old_rows = have.rows if have else {}
    for key in sorted(set(old_rows) | set(want.rows), key=lambda k: _sort_key(want, k)):
        old, new = old_rows.get(key), want.rows.get(key)
        if have is None:
            # A table the migration creates: its rollback drops it, rows and all. Deleting
            # the rows first would only fail where other rows point at them (RESTRICT).
            changes.up_upserts.append(_insert(want, key))
        elif old is None:
            changes.up_upserts.append(_insert(want, key))
            # ON CONFLICT DO NOTHING may have kept a row someone else made: the rollback
            # deletes only a row still as declared and pointed at by nothing.
            changes.down_deletes.append(_delete(want, key, referencing))
        elif new is None:
            changes.up_deletes.append(_delete(have, key))
            changes.down_upserts.append(_insert(have, key))
        else:
            # A column the current state lacks is added by the DDL with its default:
            # the declared value still has to be written.
            up = [c for c in want.columns if c not in have.columns or old[c] != new[c]]
            down = [c for c in have.columns if c in want.columns and old[c] != new[c]]
            if up:
                changes.up_upserts.append(_insert(want, key, up, previous=have))
            if down:
                changes.down_upserts.append(_insert(have, key, down, previous=want))
    return changes


def _sort_key(side: Side, key: tuple) -> tuple:
    # By key, numbers as numbers and text by code point: the same order on every machine,
    # whatever the database collation.
    parts = []
    for column, value in zip(side.table.key or (), key, strict=True):
        if isinstance(value, tuple):
            parts.append((2, 0, "\x00".join(v or "" for v in value)))
        elif side.shape.columns[column].type in BARE_NUMBERS and value.lstrip("-").isdigit():
            parts.append((0, int(value), ""))
        else:
            parts.append((1, 0, value))
    return tuple(parts)


def _dependency_order(*databases: dict[Ident, Side]) -> list[Ident]:
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


_ON_DELETE = {
    "c": "ON DELETE CASCADE: deleting it also deletes the rows of {child} that point at it",
    "n": "ON DELETE SET NULL: deleting it empties the key of the rows of {child} that point "
         "at it",
    "d": "ON DELETE SET DEFAULT: deleting it resets the rows of {child} that point at it",
    "r": "ON DELETE RESTRICT: the delete fails while rows of {child} point at it",
    "a": "NO ACTION: the delete fails while rows of {child} point at it",
}


def removal_notes(conn, tables: list[ReferenceTable]) -> dict[str, list[str]]:
    """{schema.table: what deleting one of its rows does to the tables that point at it}."""
    notes: dict[str, list[str]] = {}
    with reading(conn) as cur:
        cur.execute(sql_files.load("data_referencing.sql"),
                    {"schemas": [t.schema for t in tables], "names": [t.name for t in tables]})
        for schema, name, _child_sql, child, on_delete, _columns, _parents in cur.fetchall():
            notes.setdefault(f"{schema}.{name}", []).append(
                _ON_DELETE.get(on_delete, "{child} points at it").format(child=child))
    return notes


# --- comparison (proof and verify) --------------------------------------------------


def compare_rows(
    a_conn, b_conn, tables: list[ReferenceTable], labels: tuple[str, str] = ("a", "b")
) -> list[str]:
    """Reference-data differences between two databases, one line each; [] when equal."""
    left_label, right_label = labels
    left = read_sides(a_conn, tables, left_label)
    right = read_sides(b_conn, tables, right_label)
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
            where = f"{table.qualified} ({match(side, key)})"
            if old is None or new is None:
                found.append(f"{where}: row only in {right_label if old is None else left_label}")
                continue
            for column in shared:
                if old[column] != new[column]:
                    found.append(
                        f"{where}: {column} is {sql_value(a, column, old[column])} in "
                        f"{left_label}, {sql_value(b, column, new[column])} in {right_label}"
                    )
    return found


def _compare_whole_rows(
    a: Side, b: Side, shared: list[str], labels: tuple[str, str]
) -> list[str]:
    """Without a usable key (an older state, say), rows can still be compared as a multiset."""
    def bag(side: Side) -> list[tuple]:
        return sorted(tuple(repr(row[c]) for c in shared) for row in side.records)

    if bag(a) == bag(b):
        return []
    return [
        f"{a.table.qualified}: rows differ (compared as whole rows, because "
        f"{a.problem or b.problem}): {len(a.records)} in {labels[0]}, "
        f"{len(b.records)} in {labels[1]}"
    ]
