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
"""

from __future__ import annotations

from ... import sql
from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy


def local_columns(server: Server, dbname: str, schemas) -> set[tuple[str, str]]:
    """(quoted table, column) of inherited columns that children declare themselves too."""
    rows = server.query(dbname, sql.load("repair_local_columns.sql"),
                        {"schemas": list(schemas)})
    return {(f"{quote_ident(schema)}.{quote_ident(table)}", name) for schema, table, name in rows}


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
    return [s for s in statements if s not in unwanted]
