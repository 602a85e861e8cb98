"""What a generated statement does: which object it is about, and whether it loses data.

Parsed with Postgres's own grammar (pglast), never matched with regexes: a table
named "drop" must not look destructive, and a DROP hidden in a string must not hide.
"""

from __future__ import annotations

from collections.abc import Mapping

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError

from .conversions import LOSSY, Column, of_command

# Dropping these loses rows or values that schema.sql cannot bring back.
_DATA_BEARING_DROPS = {
    ObjectType.OBJECT_TABLE: "drops table",
    ObjectType.OBJECT_SCHEMA: "drops schema",
    ObjectType.OBJECT_SEQUENCE: "drops sequence (its current value is lost)",
    ObjectType.OBJECT_TYPE: "drops type",
    ObjectType.OBJECT_MATVIEW: "drops materialized view",
}


def _parse(statement: str) -> ast.Node | None:
    try:
        parsed = pglast.parse_sql(statement)
    except ParseError:
        return None
    return parsed[0].stmt if parsed else None


def _kind(objtype: ObjectType | None) -> str:
    """OBJECT_FOREIGN_TABLE -> "foreign_table"; the grammar sets the type of every statement."""
    assert objtype is not None
    return objtype.name.removeprefix("OBJECT_").lower()


def _name(node) -> str:
    if isinstance(node, ast.RangeVar):
        assert node.relname is not None  # the grammar always names the relation
        return f"{node.schemaname}.{node.relname}" if node.schemaname else node.relname
    if isinstance(node, tuple | list):
        return ".".join(getattr(p, "sval", str(p)) for p in node)
    if isinstance(node, ast.String):
        return node.sval or ""
    if isinstance(node, ast.ObjectWithArgs):
        return _name(node.objname)
    if isinstance(node, ast.TypeName):
        return _name(node.names)
    return str(node)


def destructive_reason(statement: str, conversions: Mapping[Column, str] | None = None
                       ) -> str | None:
    """Why a statement loses data (drops a table or column, changes a type, deletes rows).

    `conversions` (diff/conversions.py): a type change that widens, or narrows (exact or
    fails), loses nothing; only one that may round or cut values does."""
    node = _parse(statement)
    if node is None:
        return None
    if isinstance(node, ast.DropStmt):
        return _DATA_BEARING_DROPS.get(node.removeType) if node.removeType is not None else None
    if isinstance(node, ast.DeleteStmt):
        return "deletes rows"
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_DropColumn:
                return f"drops column {cmd.name}"
            if cmd.subtype == AlterTableType.AT_AlterColumnType and of_command(
                    conversions, _qualified(node.relation), cmd) == LOSSY:
                return f"changes the type of column {cmd.name}"
    return None


def _qualified(relation: ast.RangeVar | None) -> str:
    """schema.table of a relation an ALTER TABLE names (public when unqualified)."""
    assert relation is not None and relation.relname is not None
    return f"{relation.schemaname or 'public'}.{relation.relname}"


def subject(statement: str) -> str:
    """A short label of the object a statement is about, for section headers."""
    node = _parse(statement)
    if node is None:
        return "other"
    relation = getattr(node, "relation", None)
    if isinstance(node, ast.CreateStmt | ast.AlterTableStmt | ast.IndexStmt | ast.CreateTrigStmt
                  | ast.InsertStmt | ast.DeleteStmt | ast.UpdateStmt) and relation is not None:
        kind = "table"
        if isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_SEQUENCE:
            kind = "sequence"
        if isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_VIEW:
            kind = "view"
        return f"{kind} {_name(relation)}"
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        return f"table {_name(node.table)}"
    if isinstance(node, ast.ViewStmt):
        return f"view {_name(node.view)}"
    if isinstance(node, ast.CreateTableAsStmt):
        assert node.into is not None  # CREATE MATERIALIZED VIEW / TABLE AS always has a target
        return f"view {_name(node.into.rel)}"
    if isinstance(node, ast.CreateFunctionStmt):
        return f"function {_name(node.funcname)}"
    if isinstance(node, ast.CreateSeqStmt | ast.AlterSeqStmt):
        return f"sequence {_name(node.sequence)}"
    if isinstance(node, ast.CreateEnumStmt | ast.AlterEnumStmt):
        return f"type {_name(node.typeName)}"
    if isinstance(node, ast.CompositeTypeStmt):
        return f"type {_name(node.typevar)}"
    if isinstance(node, ast.CreateSchemaStmt):
        return f"schema {node.schemaname}"
    if isinstance(node, ast.CreateExtensionStmt):
        return f"extension {node.extname}"
    if isinstance(node, ast.DropStmt):
        objects = node.objects or ()
        first = objects[0] if objects else None
        kind = _kind(node.removeType).replace("_", " ")
        if node.removeType in (ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER) and first:
            # DROP POLICY p ON t: the object list is (schema, table, name).
            return f"table {'.'.join(getattr(p, 'sval', '') for p in first[:-1])}"
        return f"{kind} {_name(first)}" if first is not None else kind
    if isinstance(node, ast.GrantStmt):
        kind = _kind(node.objtype)
        first = (node.objects or [None])[0]
        return f"{kind} {_name(first)}" if first is not None else kind
    if isinstance(node, ast.CommentStmt):
        kind = _kind(node.objtype)
        obj = node.object
        if node.objtype == ObjectType.OBJECT_COLUMN and isinstance(obj, tuple | list):
            return f"table {'.'.join(p.sval for p in obj[:-1])}"
        return f"{kind} {_name(obj)}"
    if isinstance(node, ast.AlterDefaultPrivilegesStmt):
        return "default privileges"
    if isinstance(node, ast.VariableSetStmt):
        return "settings"
    if isinstance(node, ast.RenameStmt):
        if node.relation is not None:
            return f"table {_name(node.relation)}"
        return f"{_kind(node.renameType)} {_name(node.object)}"
    return type(node).__name__


def created_table(statement: str) -> str | None:
    """`schema.table` when the statement is a CREATE TABLE, else None."""
    node = _parse(statement)
    if isinstance(node, ast.CreateStmt) and node.relation is not None:
        return _name(node.relation)
    return None


def referenced_tables(statement: str) -> list[str]:
    """Tables a statement's foreign keys point at (ALTER TABLE … ADD CONSTRAINT … REFERENCES)."""
    node = _parse(statement)
    found: list[str] = []
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            constraint = getattr(cmd, "def_", None)
            if isinstance(constraint, ast.Constraint) and constraint.pktable is not None:
                # pg_get_constraintdef leaves names on the search_path (public) unqualified.
                name = _name(constraint.pktable)
                found.append(name if "." in name else f"public.{name}")
    return found


def default_privilege_schemas(statement: str) -> tuple[str, ...] | None:
    """The schemas an ALTER DEFAULT PRIVILEGES … IN SCHEMA names; None for other statements
    (and () for one without IN SCHEMA)."""
    node = _parse(statement)
    if not isinstance(node, ast.AlterDefaultPrivilegesStmt):
        return None
    for option in node.options or ():
        if option.defname == "schemas":
            return tuple(_name(part) for part in option.arg)
    return ()
