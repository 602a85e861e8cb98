"""Table inheritance (INHERITS), where migra's column statements fail.

schemainspect calls a child's column inherited when the parent has a column of that
name, and migra turns a change of that flag into dropping or adding the child's column.
Postgres does it itself:
- a column added to (dropped from) the parent is added to (dropped from) the children;
- the parent adding a column the child already has merges the two, and INHERIT requires
  the child to have the parent's columns already: the child keeps its column;
- NO INHERIT keeps the inherited columns as the child's own, and so does the parent
  dropping a column the child also declares itself (attislocal): no ADD is needed.
Only a column that was inherited and nothing else goes with the parent's, so migra's
ADD of it on a child that still inherits stays.

Whether a child declares an inherited column itself (attislocal) is part of the schema
(the catalog judge compares it; pg_dump writes it): migra's CREATE TABLE of a new child
declares every column, and a parent gaining a column the child has merges the two. Only
Postgres can make a column inherited-only, when the parent's column reaches the child:
so a new child's CREATE TABLE declares its own columns alone, and a child's column that
becomes inherited-only is renamed aside, made again by the parent's ADD, filled from the
renamed one, which is then dropped.
"""

from __future__ import annotations

import re

from ... import sql
from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy


def local_columns(server: Server, dbname: str, schemas) -> set[tuple[str, str]]:
    """(quoted table, column) of inherited columns that children declare themselves too."""
    rows = server.query(dbname, sql.load("repair_local_columns.sql"),
                        {"schemas": list(schemas)})
    return {(f"{quote_ident(schema)}.{quote_ident(table)}", name) for schema, table, name in rows}


def inherited_only(server: Server, dbname: str, schemas) -> set[tuple[str, str]]:
    """(quoted table, column) of children's columns that come from a parent alone."""
    rows = server.query(dbname, sql.load("repair_inherited_only.sql"),
                        {"schemas": list(schemas)})
    return {(f"{quote_ident(schema)}.{quote_ident(table)}", name) for schema, table, name in rows}


_CREATE_CHILD = re.compile(r'^create table (?P<table>"(?:[^"]|"")+"\."(?:[^"]|"")+") \(\n'
                           r'(?P<columns>.*)\n\)(?P<rest> inherits \(.*\);)$', re.DOTALL)
_COLUMN_NAME = re.compile(r'^    "((?:[^"]|"")+)"')


def _parent_column(to_model, table, name: str):
    parent = to_model.tables.get(table.parent_table) if table.parent_table else None
    return parent.columns.get(name) if parent is not None else None


def created_children(statements: list[str], to_model,
                     only_inherited: set[tuple[str, str]]) -> list[str]:
    """migra's CREATE TABLE … INHERITS of a new child without the columns the child has
    from its parent alone (`inherited_only` of the target database); a default or NOT
    NULL the child sets on such a column apart from its parent's is altered after."""
    out = []
    for statement in statements:
        match = _CREATE_CHILD.match(statement)
        table = to_model.tables.get(match["table"]) if match else None
        if match is None or table is None:
            out.append(statement)
            continue
        kept, extra = [], []
        for line in match["columns"].split("\n"):
            name = _COLUMN_NAME.match(line)
            column = table.columns.get(name[1].replace('""', '"')) if name else None
            if column is None or (match["table"], column.name) not in only_inherited:
                kept.append(line.rstrip(","))
                continue
            parent = _parent_column(to_model, table, column.name)
            if parent is not None and parent.default != column.default:
                clause = (f"alter column {column.quoted_name} set default {column.default}"
                          if column.default is not None
                          else f"alter column {column.quoted_name} drop default")
                extra.append(tidy(table.alter_table_statement(clause)))
            if parent is not None and column.not_null and not parent.not_null:
                extra.append(tidy(table.alter_table_statement(column.alter_not_null_clause)))
        body = ",\n".join(kept)
        out.append(f"create table {match['table']} (\n{body}\n){match['rest']}"
                   if kept else f"create table {match['table']} (){match['rest']}")
        out.extend(extra)
    return out


def inheriting_anew(from_model, to_model, only_inherited: set[tuple[str, str]]
                    ) -> frozenset[str]:
    """Tables (quoted) that start inheriting and must have some of the parent's columns
    from it alone: ALTER TABLE … INHERIT keeps them the child's own, so they are
    re-created (partitions._recreated_tables)."""
    return frozenset(
        key for key, table in to_model.tables.items()
        if table.parent_table and not table.is_partitioning_child_table
        and key in from_model.tables
        and from_model.tables[key].parent_table != table.parent_table
        and any((key, name) in only_inherited for name in table.columns))


def _aside(name: str) -> str:
    return quote_ident(f"{name}__before_inherit")


def merged_columns(statements: list[str], from_model, to_model,
                   only_inherited: set[tuple[str, str]]) -> list[str]:
    """A child's own column that the parent's new column must replace (inherited-only in
    the target): renamed aside before the parent's ADD, its values copied into the column
    the ADD gives the child, then dropped; rows keep their values."""
    before_add: dict[str, list[str]] = {}
    after_add: dict[str, list[str]] = {}
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        if old is None or not table.parent_table or old.parent_table != table.parent_table:
            continue
        parent, old_parent = to_model.tables.get(table.parent_table), from_model.tables.get(
            table.parent_table)
        if parent is None or old_parent is None:
            continue
        for name, column in table.columns.items():
            had = old.columns.get(name)
            if (key, name) not in only_inherited or had is None or had.is_inherited \
                    or name not in parent.columns or name in old_parent.columns:
                continue
            add = tidy(parent.alter_table_statement(parent.columns[name].add_column_clause))
            before_add.setdefault(add, []).append(tidy(table.alter_table_statement(
                f"rename column {column.quoted_name} to {_aside(name)}")))
            after_add.setdefault(add, []).extend([
                f"update only {key} set {column.quoted_name} = {_aside(name)};",
                tidy(table.alter_table_statement(f"drop column {_aside(name)}")),
            ])
    if not before_add:
        return statements
    drops = {tidy(to_model.tables[k].alter_table_statement(f"drop column {quote_ident(n)}"))
             for k, n in only_inherited if k in to_model.tables}
    out = []
    for statement in statements:
        if statement in drops:  # migra's drop of the child's column: renamed aside instead
            continue
        out.extend(before_add.get(statement, []))
        out.append(statement)
        out.extend(after_add.get(statement, []))
    return out


def rewritten(statements: list[str], from_model, to_model,
              declared_locally: set[tuple[str, str]]) -> list[str]:
    """migra's statements without the child column drops and adds Postgres makes itself.

    `declared_locally`: `local_columns` of the database the statements start from.
    """
    unwanted: set[str] = set()
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        if old is None or not (table.is_inheritance_child_table
                               or old.is_inheritance_child_table):
            continue
        for name, column in table.columns.items():
            before = old.columns.get(name)
            if before is None:
                if column.is_inherited:  # Postgres adds it from the parent
                    unwanted.add(tidy(table.alter_table_statement(column.add_column_clause)))
                continue
            if column.is_inherited and not before.is_inherited:
                unwanted.add(tidy(table.alter_table_statement(column.drop_column_clause)))
            elif before.is_inherited and not column.is_inherited and (
                    old.parent_table != table.parent_table or (key, name) in declared_locally):
                unwanted.add(tidy(table.alter_table_statement(column.add_column_clause)))
        for name, before in old.columns.items():
            if name not in table.columns and before.is_inherited:
                # Postgres drops it with the parent's column.
                unwanted.add(tidy(table.alter_table_statement(before.drop_column_clause)))
    replace = _kept_by_children(from_model, to_model, unwanted)
    return [replace.get(s, s) for s in statements if s not in unwanted]


def _kept_by_children(from_model, to_model, unwanted: set[str]) -> dict[str, str]:
    """A parent's column dropped while every child that has it keeps it as its own:
    `ALTER TABLE ONLY parent DROP COLUMN` leaves it to the children with their values
    (plain DROP COLUMN takes an inherited-only column along, and migra's ADD on the
    child would bring it back empty). Returns {migra's DROP: the ONLY one}; the children's
    ADDs go into `unwanted`."""
    replace: dict[str, str] = {}
    for key, parent in from_model.tables.items():
        new_parent = to_model.tables.get(key)
        if new_parent is None:
            continue
        for name, column in parent.columns.items():
            if name in new_parent.columns:
                continue
            children = [(k, t) for k, t in from_model.tables.items()
                        if t.parent_table == key and name in t.columns]
            kept = [to_model.tables.get(k) for k, _ in children]
            if not children or any(t is None or name not in t.columns
                                   or t.columns[name].is_inherited for t in kept):
                continue
            drop = tidy(parent.alter_table_statement(column.drop_column_clause))
            replace[drop] = drop.replace("alter table ", "alter table only ", 1)
            unwanted.update(tidy(t.alter_table_statement(t.columns[name].add_column_clause))
                            for t in kept if t is not None)
    return replace
