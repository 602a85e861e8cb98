"""Renames without data loss: declared in schema.sql, applied before migra diffs.

migra sees a renamed column or table as a drop plus an add, and the data goes with
the drop. A hint in schema.sql, on the line before the column definition or the
CREATE TABLE, declares the rename instead:

    CREATE TABLE public.items (           -- schemadiff: renamed from products
        id    int PRIMARY KEY,            (the hint may also stand on the line before)
        -- schemadiff: renamed from title
        name  text NOT NULL
    );

`renamed_base` applies the hinted renames (those whose old name still exists) to a
clone of "current"; migra then diffs that clone against "desired", so the migration
is the renames followed by migra's statements, and the rollback migra's statements
back followed by the renames undone. For a renamed table, its indexes, constraints and
owned sequences named after the old table are renamed too, when "desired" has them
under the new name (a sequence recreated instead would restart at 1).

Once the migration is released the hint is inert (the old name no longer exists) and
may be deleted.

Without a hint, `suspects` names each drop+add pair of the same type on one table (and
each dropped table whose columns a created table repeats) for the refusal message.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from psycopg2 import sql

from ..errors import SQLInputError
from ..scratch import Databases, Server
from ..sources import SqlFile, pointer, split_statements

HINT = re.compile(r"--\s*schemadiff:\s*renamed\s+from\s+(?P<old>[A-Za-z_][\w$.\"]*)", re.I)


@dataclass(frozen=True)
class Rename:
    """One declared rename: of a table (`column` None) or of a column of `table`."""

    schema: str
    table: str  # the new table name
    old: str  # old table name, or old column name
    column: str | None = None  # the new column name
    where: str = ""  # file:line:col of the hint

    def up(self, old_table: str | None = None) -> sql.Composed:
        if self.column is None:
            return sql.SQL("ALTER TABLE {}.{} RENAME TO {};").format(
                sql.Identifier(self.schema), sql.Identifier(self.old), sql.Identifier(self.table))
        return sql.SQL("ALTER TABLE {}.{} RENAME COLUMN {} TO {};").format(
            sql.Identifier(self.schema), sql.Identifier(old_table or self.table),
            sql.Identifier(self.old), sql.Identifier(self.column))

    def down(self) -> sql.Composed:
        if self.column is None:
            return sql.SQL("ALTER TABLE {}.{} RENAME TO {};").format(
                sql.Identifier(self.schema), sql.Identifier(self.table), sql.Identifier(self.old))
        return sql.SQL("ALTER TABLE {}.{} RENAME COLUMN {} TO {};").format(
            sql.Identifier(self.schema), sql.Identifier(self.table),
            sql.Identifier(self.column), sql.Identifier(self.old))


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def hints(source: SqlFile) -> list[Rename]:
    """The rename hints of schema.sql, tables first; a misplaced hint is an error at its line."""
    statements = split_statements(source)
    found: list[Rename] = []
    for match in HINT.finditer(source.text):
        offset = match.start()
        where = pointer(source, offset)
        line_end = source.text.find("\n", offset)
        line_end = len(source.text) if line_end < 0 else line_end
        # The statement the hint precedes, or the one it sits inside.
        holder = next((s for s in statements
                       if s.offset <= line_end < s.offset + len(s.text)
                       or s.offset > offset), None)
        node = _parse(holder.text) if holder else None
        if holder is None or not isinstance(node, ast.CreateStmt):
            raise SQLInputError(
                f"{where[0]}: a rename hint must stand before (or on the line of) a column "
                "definition or a CREATE TABLE.", detail=where[1])
        relation = node.relation
        schema, table = _schema_table(relation)
        old = [_unquote(p) for p in match["old"].split(".")]
        into = offset - holder.offset
        columns = [(e, _location(e)) for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
        # A hint ending a column's line names that column; else the next column.
        ending = next((e for e, at in reversed(columns) if at < into
                       and _same_line(holder.text, into, at)), None)
        column = ending or next((e for e, at in columns if at > into), None)
        first_token = len(holder.text) - len(holder.text.lstrip())
        on_table = ending is None and (into < first_token or column is None or _same_line(
            holder.text, into, _location(relation)))
        if on_table:
            if len(old) == 2 and old[0] != schema:
                raise SQLInputError(f"{where[0]}: renaming across schemas is not supported.",
                                    detail=where[1])
            found.append(Rename(schema, table, old[-1], where=where[0]))
        else:
            assert column is not None and column.colname is not None  # else it is on the table
            found.append(Rename(schema, table, old[-1], column.colname, where=where[0]))
    return sorted(found, key=lambda r: r.column is not None)


def _schema_table(relation: ast.RangeVar | None) -> tuple[str, str]:
    """(schema, table) of a relation a statement names; CREATE and ALTER TABLE always do."""
    assert relation is not None and relation.relname is not None
    return relation.schemaname or "public", relation.relname


def _location(node: ast.ColumnDef | ast.RangeVar | None) -> int:
    """Where the node starts in its statement; the parser records it for these nodes."""
    assert node is not None and node.location is not None
    return node.location


def _same_line(text: str, a: int, b: int) -> bool:
    return text.count("\n", 0, min(a, b)) == text.count("\n", 0, max(a, b))


def _parse(statement: str):
    try:
        parsed = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    return parsed[0].stmt if parsed else None


# --- applying them -------------------------------------------------------------------------


@dataclass
class RenamedBase:
    """The database to diff from (a renamed clone, or "current" itself) and the rename SQL."""

    dbname: str
    up: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)


_COLUMN = ("SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
           "JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = %s AND c.relname = %s AND a.attname = %s "
           "AND a.attnum > 0 AND NOT a.attisdropped")
_TABLE = ("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')")
# Indexes, constraints and owned sequences of a table, by name.
_DEPENDENTS = """
SELECT 'index', i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
 WHERE x.indrelid = %(table)s::regclass
UNION ALL
SELECT 'constraint', conname FROM pg_constraint
 WHERE conrelid = %(table)s::regclass AND contype IN ('c', 'f')
UNION ALL
SELECT 'sequence', s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
 WHERE d.refobjid = %(table)s::regclass AND d.classid = 'pg_class'::regclass
   AND s.relkind = 'S' AND d.deptype IN ('a', 'i')
"""


def _exists(conn, query: str, *args: str) -> bool:
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchone() is not None


def _names(conn, schema: str, table: str) -> set[tuple[str, str]]:
    qualified = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    with conn.cursor() as cur:
        cur.execute(_DEPENDENTS, {"table": qualified.as_string(conn)})
        return {(kind, name) for kind, name in cur.fetchall()}


def _dependent_renames(rename: Rename, clone, desired) -> tuple[list[str], list[str]]:
    """Rename indexes, constraints, sequences named after the old table, as `desired` names them."""
    have = _names(clone, rename.schema, rename.table)
    want = _names(desired, rename.schema, rename.table)
    prefix = rename.old + "_"
    up: list[str] = []
    down: list[str] = []
    table = sql.SQL("{}.{}").format(sql.Identifier(rename.schema), sql.Identifier(rename.table))
    for kind, name in sorted(have):
        if not name.startswith(prefix):
            continue
        new = rename.table + "_" + name[len(prefix):]
        if (kind, new) not in want or (kind, new) in have:
            continue
        if kind == "constraint":
            template = sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {};")
            args = [(table, name, new), (table, new, name)]
        else:
            template = sql.SQL("ALTER " + kind.upper() + " {}.{} RENAME TO {};")
            args = [(sql.Identifier(rename.schema), name, new),
                    (sql.Identifier(rename.schema), new, name)]
        for target, (first, a, b) in zip((up, down), args, strict=True):
            target.append(template.format(first, sql.Identifier(a), sql.Identifier(b))
                          .as_string(clone))
    return up, down


@contextlib.contextmanager
def renamed_base(server: Server, databases: Databases, current: str, desired: str,
                 renames: list[Rename]) -> Iterator[RenamedBase]:
    """`current` with the applicable hinted renames applied, as a clone dropped afterwards."""
    if not renames:
        yield RenamedBase(current)
        return
    clone = databases.create("renamed", template=current)
    try:
        base = RenamedBase(clone)
        conn = server.connect(clone)
        target = server.connect(desired)
        try:
            for rename in renames:
                if rename.column is None:
                    applies = (_exists(conn, _TABLE, rename.schema, rename.old)
                               and not _exists(conn, _TABLE, rename.schema, rename.table))
                else:
                    applies = (_exists(conn, _COLUMN, rename.schema, rename.table, rename.old)
                               and not _exists(conn, _COLUMN, rename.schema, rename.table,
                                               rename.column))
                if not applies:
                    continue  # already released, or nothing to rename yet
                up, down = [rename.up().as_string(conn)], [rename.down().as_string(conn)]
                with conn.cursor() as cur:
                    cur.execute(up[0])
                if rename.column is None:
                    more_up, more_down = _dependent_renames(rename, conn, target)
                    with conn.cursor() as cur:
                        for statement in more_up:
                            cur.execute(statement)
                    up += more_up
                    down = more_down + down
                base.up += up
                base.down = down + base.down
        finally:
            conn.close()
            target.close()
        yield base
    finally:
        databases.drop(clone)


# --- suspects: drop+add pairs that may be renames ---------------------------------------------


_COLUMN_TYPES = """
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY n.nspname, c.relname, a.attnum
"""


def _columns(server: Server, dbname: str) -> dict[str, list[tuple[str, str]]]:
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(_COLUMN_TYPES)
            tables: dict[str, list[tuple[str, str]]] = {}
            for schema, table, column, type_ in cur.fetchall():
                tables.setdefault(f"{schema}.{table}", []).append((column, type_))
            return tables
    finally:
        conn.close()


def suspects(statements: list[str], server: Server, current: str, desired: str) -> list[str]:
    """Messages for drop+add pairs in `statements` (current -> desired) that may be renames."""
    dropped_columns: dict[str, list[str]] = {}
    added_columns: dict[str, list[str]] = {}
    dropped_tables: list[str] = []
    created_tables: list[str] = []
    for statement in statements:
        node = _parse(statement)
        if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            table = ".".join(_schema_table(node.relation))
            for cmd in node.cmds or ():
                if cmd.subtype == AlterTableType.AT_DropColumn:
                    dropped_columns.setdefault(table, []).append(cmd.name)
                elif cmd.subtype == AlterTableType.AT_AddColumn:
                    added_columns.setdefault(table, []).append(cmd.def_.colname)
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for names in node.objects or ():
                parts = [p.sval for p in names]
                dropped_tables.append(".".join(parts if len(parts) > 1 else ["public", *parts]))
        elif isinstance(node, ast.CreateStmt):
            created_tables.append(".".join(_schema_table(node.relation)))
    found: list[str] = []
    if not (dropped_columns or dropped_tables):
        return found  # nothing dropped: no catalog to read
    before, after = _columns(server, current), _columns(server, desired)
    for table, dropped in dropped_columns.items():
        old_types = dict(before.get(table, []))
        new_types = dict(after.get(table, []))
        for old in dropped:
            for new in added_columns.get(table, []):
                if old in old_types and old_types[old] == new_types.get(new):
                    found.append(
                        f"possible rename: {table} drops column {old} and adds {new}, both "
                        f"{old_types[old]}. If it is a rename, put `-- schemadiff: renamed from "
                        f"{old}` on the line before `{new}` in schema.sql: the data is kept."
                    )
    for old in dropped_tables:
        for new in created_tables:
            if before.get(old) and before.get(old) == after.get(new):
                found.append(
                    f"possible rename: drops table {old} and creates {new} with the same columns. "
                    f"If it is a rename, put `-- schemadiff: renamed from {old.split('.')[1]}` "
                    f"on the line before `CREATE TABLE {new}` in schema.sql: the data is kept."
                )
    return found
