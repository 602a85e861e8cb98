"""Per-table acknowledgements of data-dependent statements, declared in schema.sql.

`--allow-data-dependent` lets a whole change through. A table known to hold no rows that
could break it (typically: empty until a feature launches) is acknowledged on its own,
with the reason, on the line before its CREATE TABLE (or on that line):

    -- schemadiff: allow data-dependent -- empty until the import job ships
    CREATE TABLE public.imports (

Its data-dependent statements then pass (the header and `diff` list each with the reason);
the rehearsal gives it no sample rows (they would contradict the reason), while its seed
rows and every other table are rehearsed as usual. A hint without a reason, or not on a
CREATE TABLE, is an error at its line. A hint no statement of the change needs is
reported, so that stale ones do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

import pglast
from pglast import ast
from pglast.parser import ParseError

from ..errors import SQLInputError
from ..sources import SqlFile, Statement, pointer, split_statements

HINT = re.compile(r"--\s*schemadiff:\s*allow\s+data-dependent\b(?P<rest>.*)$", re.I | re.M)
_REASON = re.compile(r"^\s*--\s*(?P<reason>\S.*?)\s*$")
EXAMPLE = "-- schemadiff: allow data-dependent -- <why no row can break it>"


@dataclass(frozen=True)
class TableAck:
    """`-- schemadiff: allow data-dependent -- REASON` on the CREATE TABLE of `table`."""

    table: str  # schema.table
    reason: str
    where: str  # file:line:col of the hint

    @property
    def label(self) -> str:
        """The reason and where it is declared, as the header and output show it."""
        file, line, _ = self.where.rsplit(":", 2)
        return f"{self.reason} ({PurePath(file).name}:{line})"


def hints(source: SqlFile) -> list[TableAck]:
    """The per-table acknowledgements of schema.sql; a misplaced or unexplained one is an
    error at its line."""
    matches = list(HINT.finditer(source.text))
    statements = split_statements(source) if matches else []
    found: list[TableAck] = []
    for match in matches:
        where, shown = pointer(source, match.start())
        reason = _REASON.match(match["rest"])
        if reason is None:
            raise SQLInputError(
                f"{where}: `allow data-dependent` gives no reason; it acknowledges a table "
                "only with one, after a second `--`.", detail=f"{shown}\n  e.g. {EXAMPLE}")
        node = _create_table(source, statements, match.start())
        if node is None:
            raise SQLInputError(
                f"{where}: `allow data-dependent` must stand on the line before a CREATE "
                "TABLE, or on its first line; it acknowledges a whole table.", detail=shown)
        relation = node.relation
        assert relation is not None  # CREATE TABLE always names its table
        table = f"{relation.schemaname or 'public'}.{relation.relname}"
        found.append(TableAck(table, reason["reason"], where))
    return found


def _create_table(source: SqlFile, statements: list[Statement], offset: int
                  ) -> ast.CreateStmt | None:
    """The CREATE TABLE a hint at `offset` stands before or on the first line of."""
    line_start = source.text.rfind("\n", 0, offset) + 1
    for statement in statements:
        end = statement.offset + len(statement.text)
        if statement.offset <= offset < end:  # inside: only on the statement's first line
            if source.text.rfind("\n", 0, statement.offset) + 1 != line_start:
                return None
        elif statement.offset < offset:
            continue
        elif source.text[line_start:offset].strip():
            return None  # after code on its line: it belongs to that code, not the next
        try:
            node = pglast.parse_sql(statement.text)[0].stmt
        except (ParseError, IndexError):
            return None
        return node if isinstance(node, ast.CreateStmt) else None
    return None
