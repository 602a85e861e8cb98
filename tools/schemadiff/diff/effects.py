"""What a statement does to the rows a table already holds.

- `declared_losses`: rows or values the statement gives up on purpose (a dropped table or
  column, a type change that may round or cut values): the rehearsal does not count them
  as lost, and a rollback that cannot bring them back is marked lossy.
- `data_dependent`: statements that succeed or fail by the rows present (SET NOT NULL, a
  NOT NULL column without default, a new UNIQUE/CHECK/FOREIGN KEY/EXCLUDE, a type change
  that is not widening): on an empty scratch database they always succeed, so they are
  reviewed.

`conversions` ({(schema.table, column): kind}, diff/conversions.py) says how each type
change converts, from the catalog; a type change it does not list counts as lossy.

Parsed with pglast, like classify.py. Tables the same statements create are empty, so
nothing about them depends on data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError

from .classify import created_table
from .conversions import LOSSY, WIDENING, Column, of_command


def _node(statement: str):
    try:
        parsed = pglast.parse_sql(statement)
    except ParseError:
        return None
    return parsed[0].stmt if parsed else None


def _table(relation) -> str:
    schema = relation.schemaname or "public"
    return f"{schema}.{relation.relname}"


# A table or column the repairs rename aside, copy into its successor, then drop
# (diff/repair/partitions.py, inheritance.py): its rows live on in the successor.
_TABLE_ASIDE = re.compile(r'^alter table (?P<schema>"(?:[^"]|"")+")\.\S+ rename to '
                          r'(?P<name>"(?:[^"]|"")+");$')
_TABLE_COPY = re.compile(r'^insert into \S+ \(.*\) overriding system value select .* '
                         r'from (?P<source>\S+);$')
_TABLES_DROP = re.compile(r'^drop table (?P<tables>.+);$')
_COLUMN_ASIDE = re.compile(r'^alter table (?P<table>\S+) rename column \S+ to (?P<aside>\S+);$')
_COLUMN_COPY = re.compile(r'^update only (?P<table>\S+) set \S+ = (?P<aside>\S+);$')
_COLUMN_DROP = re.compile(r'^alter table (?P<table>\S+) drop column (?P<aside>\S+);$')


def copied_aside(statements: list[str]) -> set[str]:
    """The DROPs among `statements` of a table or column renamed aside and copied whole
    into its successor earlier in the same statements: they lose nothing."""
    tables, columns, found = set(), set(), set()
    for statement in statements:
        if m := _TABLE_ASIDE.match(statement):
            tables.add(("renamed", f"{m['schema']}.{m['name']}"))
        elif (m := _TABLE_COPY.match(statement)) and ("renamed", m["source"]) in tables:
            tables.add(("copied", m["source"]))
        elif m := _TABLES_DROP.match(statement):
            if all(("copied", t) in tables for t in m["tables"].split(", ")):
                found.add(statement)
        elif m := _COLUMN_ASIDE.match(statement):
            columns.add(("renamed", m["table"], m["aside"]))
        elif (m := _COLUMN_COPY.match(statement)) \
                and ("renamed", m["table"], m["aside"]) in columns:
            columns.add(("copied", m["table"], m["aside"]))
        elif (m := _COLUMN_DROP.match(statement)) \
                and ("copied", m["table"], m["aside"]) in columns:
            found.add(statement)
    return found


def declared_losses(statements: list[str], conversions: Mapping[Column, str] | None = None
                    ) -> list[tuple[str, str, str | None, str | None]]:
    """(statement, what it loses, schema.table, column or None) for each lossy statement."""
    found: list[tuple[str, str, str | None, str | None]] = []
    kept_elsewhere = copied_aside(statements)
    for statement in statements:
        if statement in kept_elsewhere:
            continue
        node = _node(statement)
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            for name in node.objects or ():
                parts = [p.sval for p in name]
                table = ".".join(parts if len(parts) > 1 else ["public", *parts])
                found.append((statement, f"drops table {table} with its rows", table, None))
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            table = _table(node.relation)
            for cmd in node.cmds or ():
                if cmd.subtype == AlterTableType.AT_DropColumn:
                    found.append((statement, f"drops column {table}.{cmd.name} with its values",
                                  table, cmd.name))
                elif (cmd.subtype == AlterTableType.AT_AlterColumnType
                      and of_command(conversions, table, cmd) == LOSSY):
                    found.append((statement, f"changes the type of {table}.{cmd.name} (values "
                                  "may not convert back exactly)", table, cmd.name))
    return found


@dataclass(frozen=True)
class DataDependent:
    """A statement whose success depends on the rows of `table`."""

    statement: str
    table: str
    what: str
    way_forward: str


_CONSTRAINTS = {
    ConstrType.CONSTR_UNIQUE: "adds a UNIQUE constraint (existing duplicates break it)",
    ConstrType.CONSTR_PRIMARY: "adds a PRIMARY KEY (existing duplicates or NULLs break it)",
    ConstrType.CONSTR_CHECK: "adds a CHECK constraint (existing rows may break it)",
    ConstrType.CONSTR_FOREIGN: "adds a FOREIGN KEY (existing rows without a parent break it)",
    ConstrType.CONSTR_EXCLUSION: "adds an EXCLUDE constraint (existing overlaps break it)",
}
_BACKFILL = ("fix the rows first, in a migration of its own (e.g. `UPDATE <table> SET "
             "<column> = … WHERE <column> IS NULL`)")
_ONLINE_NOT_NULL = ("or add `CHECK (<column> IS NOT NULL) NOT VALID`, VALIDATE it, then SET "
                    "NOT NULL")
_ONLINE = "or add it NOT VALID (existing rows unchecked) and VALIDATE it once they are fixed"


def data_dependent(statements: list[str], conversions: Mapping[Column, str] | None = None
                   ) -> list[DataDependent]:
    """Statements of a migration whose success depends on the rows already present."""
    new = {t if "." in t else f"public.{t}" for t in map(created_table, statements) if t}
    found = []
    for statement in statements:
        node = _node(statement)
        if isinstance(node, ast.IndexStmt) and node.unique and node.relation is not None:
            table = _table(node.relation)
            if table not in new:
                found.append(DataDependent(
                    statement, table, "creates a UNIQUE index (existing duplicates break it)",
                    "remove the duplicates first, in a migration of its own"))
            continue
        if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
            continue
        if node.objtype not in (ObjectType.OBJECT_TABLE, None):
            continue
        table = _table(node.relation)
        if table in new:
            continue
        for cmd in node.cmds or ():
            item = _command(statement, table, cmd, conversions)
            if item:
                found.append(item)
    return found


def _command(statement: str, table: str, cmd, conversions: Mapping[Column, str] | None
             ) -> DataDependent | None:
    if cmd.subtype == AlterTableType.AT_SetNotNull:
        return DataDependent(statement, table, f"sets NOT NULL on {cmd.name} (rows holding "
                             "NULL break it)", f"{_BACKFILL}; {_ONLINE_NOT_NULL}")
    if cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
        kinds = {c.contype for c in cmd.def_.constraints or ()}
        if ConstrType.CONSTR_NOTNULL in kinds and not kinds & {
                ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY,
                ConstrType.CONSTR_GENERATED}:
            return DataDependent(statement, table, f"adds NOT NULL column {cmd.def_.colname} "
                                 "without a default (fails on any existing row)",
                                 "give the column a DEFAULT, or add it nullable, fill it, "
                                 "and SET NOT NULL in a later migration")
    if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
        what = _CONSTRAINTS.get(cmd.def_.contype) if cmd.def_.contype is not None else None
        if what and not cmd.def_.skip_validation:
            return DataDependent(statement, table, what, f"{_BACKFILL}; {_ONLINE}")
    if (cmd.subtype == AlterTableType.AT_AlterColumnType
            and of_command(conversions, table, cmd) != WIDENING):
        return DataDependent(statement, table, f"changes the type of {cmd.name} (values that "
                             "do not convert break it)",
                             "declare `USING <expression>` through a backfill, or convert "
                             "the values first")
    return None


def type_changed(statements: list[str]) -> set[Column]:
    """(schema.table, column) of every column whose type the statements change."""
    found = set()
    for statement in statements:
        node = _node(statement)
        if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            found |= {(_table(node.relation), cmd.name) for cmd in node.cmds or ()
                      if cmd.subtype == AlterTableType.AT_AlterColumnType and cmd.name}
    return found
