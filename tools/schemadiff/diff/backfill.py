"""Backfills declared in schema.sql: SQL that fixes existing rows before a constraint needs it.

    CREATE TABLE public.t (
        ...
        -- schemadiff: backfill UPDATE public.t SET code = 'none' WHERE code IS NULL
        code text NOT NULL,

A hint is one line, on the line before a column of a CREATE TABLE. When a migration holds a
data-dependent statement about that column (SET NOT NULL, a type change, a new constraint
naming it), the backfill runs just before it, and that statement is no longer refused by
nature: the rehearsal still proves it on rows. Otherwise the hint is inert (once the
migration is released it may be deleted). The rows it rewrites are a declared loss: the
rollback does not put the old values back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pglast
from pglast import ast
from pglast.parser import ParseError

from ..errors import SQLInputError
from ..sources import SqlFile, pointer, split_statements
from .effects import DataDependent, data_dependent

HINT = re.compile(r"^[ \t]*--\s*schemadiff:\s*backfill\s+(?P<sql>\S.*?)\s*$", re.I | re.M)
SECTION = "Backfill declared in schema.sql"


@dataclass(frozen=True)
class Backfill:
    table: str  # schema.table
    column: str
    sql: str
    where: str  # file:line:col of the hint


def hints(source: SqlFile) -> list[Backfill]:
    """The backfill hints of schema.sql; a hint not before a column is an error at its line."""
    found = []
    statements = split_statements(source)
    for match in HINT.finditer(source.text):
        where, shown = pointer(source, match.start())
        holder = next((s for s in statements
                       if s.offset <= match.start() < s.offset + len(s.text)), None)
        node = _parse(holder.text) if holder else None
        into = match.start() - holder.offset if holder else 0
        column = None
        if holder is not None and isinstance(node, ast.CreateStmt):
            column = next((e for e in node.tableElts or () if isinstance(e, ast.ColumnDef)
                           and e.location is not None and e.location > into), None)
        if column is None or node is None or column.colname is None:
            raise SQLInputError(
                f"{where}: a backfill hint must stand on the line before a column definition "
                "inside CREATE TABLE.", detail=shown)
        try:
            pglast.parse_sql(match["sql"])
        except ParseError as exc:
            raise SQLInputError(f"{where}: the backfill is not valid SQL: {exc.args[0]}",
                                detail=shown) from None
        relation = node.relation
        table = f"{relation.schemaname or 'public'}.{relation.relname}"
        found.append(Backfill(table, column.colname, match["sql"].rstrip(";") + ";", where))
    return found


def _parse(text: str):
    try:
        parsed = pglast.parse_sql(text)
    except ParseError:
        return None
    return parsed[0].stmt if parsed else None


def _about(item: DataDependent, backfill: Backfill) -> bool:
    """Whether a data-dependent statement concerns the backfilled column."""
    if item.table != backfill.table:
        return False
    column = backfill.column
    return bool(re.search(rf'(^|[^\w"]){re.escape(column)}([^\w"]|$)|"{re.escape(column)}"',
                          item.statement))


def place(sections: list[tuple[str, list[str]]], backfills: list[Backfill]
          ) -> tuple[list[tuple[str, list[str]]], list[Backfill]]:
    """`sections` with each applicable backfill before the first statement it serves, and the
    backfills placed."""
    placed: list[Backfill] = []
    statements = [s for _, group in sections for s in group]
    targets: dict[str, list[Backfill]] = {}
    for item in data_dependent(statements):
        for backfill in backfills:
            if backfill not in placed and _about(item, backfill):
                targets.setdefault(item.statement, []).append(backfill)
                placed.append(backfill)
    if not placed:
        return sections, []
    out: list[tuple[str, list[str]]] = []
    for heading, group in sections:
        kept: list[str] = []
        for statement in group:
            before = targets.get(statement, [])
            if before:
                if kept:
                    out.append((heading, kept))
                    kept = []
                columns = ", ".join(f"{b.table}.{b.column}" for b in before)
                out.append((f"{SECTION} ({columns})", [b.sql for b in before]))
            kept.append(statement)
        if kept:
            out.append((heading, kept))
    return out, placed


def covered(up_statements: list[str], placed: list[Backfill]) -> set[str]:
    """The data-dependent statements a placed backfill serves (no longer refused by nature)."""
    return {item.statement for item in data_dependent(up_statements)
            if any(_about(item, b) for b in placed)}
