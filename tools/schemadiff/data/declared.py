"""Which tables hold reference data, which of their columns are data, and their natural key.

- Columns compared and written are those the INSERTs name (the union over all INSERTs
  into the table). Columns left to defaults (id, created_at, updated_at) are neither
  compared nor overwritten. An INSERT into a table without a column list is refused:
  the list is what declares which columns are data.
- Only tables hold reference data. An INSERT into a view (an INSTEAD OF trigger puts
  the rows wherever it likes) is neither refused nor compared: it is reported, so the
  rows are never left out without a word.
- INSERTs hidden in function bodies or DO blocks are not seen: list such a table in
  config; its columns are then those without a default, plus the key.
- Unqualified table names resolve to `public`, or to the first schema of the last
  `SET search_path` before the INSERT.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pglast
from pglast import ast

from ..errors import SQLInputError, UsageError
from ..sources import SqlFile, pointer, split_statements
from .tables import Shape, read_catalog, read_kinds, reading

CONFIGURED = "configured in pyproject.toml"


Ident = tuple[str, str]  # (schema, name)


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
    # An INSERT without a column list: its refusal (message, detail), raised once the
    # target is known to be a table.
    unlisted: tuple[str, str] | None = None

    @property
    def ident(self) -> Ident:
        return (self.schema, self.name)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


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
    unlisted = None
    if not insert.cols:
        unlisted = (
            f"{where}: INSERT INTO {schema}.{relation.relname} has no column list.",
            shown + "\n  Reference data is declared column by column: name the columns "
            f"the rows provide, e.g. INSERT INTO {schema}.{relation.relname} (col_a, col_b) "
            "VALUES (...). Columns left out keep their defaults and are not compared.",
        )
    columns = tuple(dict.fromkeys(target.name for target in insert.cols or ()))
    return ReferenceTable(
        schema, relation.relname, columns, conflict_target=_conflict_target(insert), where=where,
        unlisted=unlisted,
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
        unlisted=first.unlisted or later.unlisted,
    )


def declared_tables(schema: SqlFile, configured: dict[str, tuple[str, ...]], scope,
                    conn, not_tables: list[str] | None = None) -> list[ReferenceTable]:
    """The reference tables `schema` declares within `scope`, keys resolved through `conn`
    (a database holding schema.sql); see `resolve_keys` for `not_tables`."""
    tables = [t for t in reference_tables(schema, configured) if scope.keeps_rows(t)]
    return resolve_keys(conn, tables, not_tables) if tables else []


# --- the natural key ----------------------------------------------------------------


def resolve_keys(conn, tables: list[ReferenceTable],
                 not_tables: list[str] | None = None) -> list[ReferenceTable]:
    """Tables with columns in table order and a natural key, from the "desired" database's catalog.

    Key choice, first that applies: the configured key; the INSERTs' own ON CONFLICT
    target; the primary key; a unique constraint; a unique index. Among equals: fewest
    columns, then the columns that come first in the table, then the index name. Only
    unique keys whose columns the INSERTs all provide count. INSERT targets that no
    longer exist once schema.sql has loaded (dropped, temporary) are left out. Targets
    that are views (or other relations that are not tables) are left out too, each with
    a line saying so appended to `not_tables`.
    """
    with reading(conn) as cur:
        shapes = read_catalog(cur, tables)
        kinds = read_kinds(cur, [t for t in tables if t.ident not in shapes])
    resolved = []
    for table in tables:
        shape = shapes.get(table.ident)
        if shape is None and table.ident in kinds:
            if not_tables is not None:
                not_tables.append(_not_a_table(table, kinds[table.ident]))
            continue
        if table.unlisted:
            raise SQLInputError(table.unlisted[0], detail=table.unlisted[1])
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


_KIND_NAMES = {"v": "a view", "m": "a materialized view", "f": "a foreign table"}


def _not_a_table(table: ReferenceTable, kind: str) -> str:
    what = _KIND_NAMES.get(kind, f"not a table (relkind {kind})")
    return (f"{table.where}: INSERT INTO {table.qualified}: {what}, whose rows are not "
            "reference data (their INSTEAD OF trigger decides where they go): no migration "
            "writes or compares them. To have them migrated, INSERT them into the tables "
            "that hold them.")


def _resolved(table: ReferenceTable, shape: Shape) -> ReferenceTable:
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


def _columns_without_default(shape: Shape) -> list[str]:
    return [
        c.name for c in shape.columns.values()
        if not (c.has_default or c.generated or c.identity)
    ]


def _configured_key(table: ReferenceTable, shape: Shape) -> tuple[str, ...]:
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


def _pick_key(table: ReferenceTable, shape: Shape) -> tuple[tuple[str, ...], str] | None:
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


def _no_key_error(table: ReferenceTable, shape: Shape) -> UsageError:
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
