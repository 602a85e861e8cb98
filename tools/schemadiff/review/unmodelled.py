"""Refuse a change that would create or drop an object of a kind the tool does not model.

migra and the supplement would pass over such an object without a word: a new event
trigger would be missing from the migration, a removed one left in the database. The
catalog judge finds every object in the managed scope (sql/catalog_coverage.sql); any
whose kind is not modelled and that exists on one side only is refused here, by name,
pointing at its CREATE statement (in schema.sql for a new object, in the migration that
made it for a removed one) when one is found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pglast
from pglast import ast
from pglast.enums import ObjectType
from pglast.parser import ParseError

from ..errors import SQLInputError
from ..inspect.catalog_model import Snapshot, Unmodelled
from ..sources import SqlFile, pointer, split_statements


def _last(names) -> str | None:
    return names[-1].sval if names else None


_DEFINE_KINDS = {
    ObjectType.OBJECT_TSPARSER: ("text search parser",),
    ObjectType.OBJECT_TSTEMPLATE: ("text search template",),
    # CREATE TYPE name; makes a shell, CREATE TYPE name (INPUT = ...) a base type.
    ObjectType.OBJECT_TYPE: ("base type", "shell type"),
}

# Statement node -> (the kinds it creates, the bare name it gives).
# (Any: each lambda reads the fields of its own node class.)
_DECLARES: dict[type, Callable[[Any], tuple[tuple[str, ...], str | None]]] = {
    ast.CreateEventTrigStmt: lambda n: (("event trigger",), n.trigname),
    ast.CreateFdwStmt: lambda n: (("foreign-data wrapper",), n.fdwname),
    ast.CreateForeignServerStmt: lambda n: (("server",), n.servername),
    ast.CreateUserMappingStmt: lambda n: (("user mapping",), n.servername),
    ast.CreateForeignTableStmt: lambda n: (("foreign table",), n.base.relation.relname),
    ast.CreateConversionStmt: lambda n: (("conversion",), _last(n.conversion_name)),
    # CREATE OPERATOR CLASS makes its family too, under the same name.
    ast.CreateOpClassStmt: lambda n: (("operator class", "operator family"),
                                      _last(n.opclassname)),
    ast.CreateOpFamilyStmt: lambda n: (("operator family",), _last(n.opfamilyname)),
    ast.CreatePublicationStmt: lambda n: (("publication",), n.pubname),
    ast.CreateAmStmt: lambda n: (("access method",), n.amname),
    ast.CreatePLangStmt: lambda n: (("language",), n.plname),
    ast.DefineStmt: lambda n: (_DEFINE_KINDS.get(n.kind, ()), _last(n.defnames)),
}


Declaration = tuple[tuple[str, ...], str | None, SqlFile, int]


def _declarations(sources: Iterable[SqlFile]) -> list[Declaration]:
    """(kinds, name, file, offset) of every statement that creates an unmodelled kind."""
    found = []
    for source in sources:
        for statement in split_statements(source):
            try:
                parsed = pglast.parse_sql(statement.text)
            except ParseError:  # split_statements parsed it already; be safe all the same
                continue
            for raw in parsed:
                declares = _DECLARES.get(type(raw.stmt))
                if declares is not None:
                    kinds, name = declares(raw.stmt)
                    lead = len(statement.text) - len(statement.text.lstrip())
                    found.append((kinds, name, source, statement.offset + lead))
    return found


def _located(obj: Unmodelled, declarations: list[Declaration]) -> tuple[tuple, str]:
    """(sort key, text): the object at its last declaration, else by name alone (after)."""
    for kinds, name, source, offset in reversed(declarations):
        if obj.kind in kinds and name == obj.name:
            where, shown = pointer(source, offset)
            return (0, source.label, offset), f"{where}: {obj}\n{shown}"
    return (1, str(obj)), str(obj)


def refuse_unmodelled(current: Snapshot, desired: Snapshot, schema: SqlFile | None,
                      history: Callable[[], Iterable[SqlFile]] = tuple) -> None:
    """Raise SQLInputError (exit 5) naming every unmodelled object on one side only.

    `history`: the migration files, read only to point at what declared a removed object.
    """
    added = desired.unmodelled.keys() - current.unmodelled.keys()
    removed = current.unmodelled.keys() - desired.unmodelled.keys()
    if not added and not removed:
        return
    lines = []
    if added:
        declarations = _declarations([schema] if schema is not None else [])
        lines.append("declared in schema.sql, not in the migrations (would not be created):")
        lines += ["  " + text for _, text in sorted(
            _located(desired.unmodelled[k], declarations) for k in added)]
    if removed:
        declarations = _declarations(history())
        lines.append("in the migrations, not in schema.sql (would not be dropped):")
        lines += ["  " + text for _, text in sorted(
            _located(current.unmodelled[k], declarations) for k in removed)]
    lines.append(
        "schemadiff does not generate or compare these kinds (README, \"Object kinds\"). "
        "Write the statement by hand in a new migration under supabase/migrations/ (and "
        "its undo in supabase/rollbacks/), and keep schema.sql saying the same: an object "
        "present on both sides is left alone.")
    label = schema.label if schema is not None else "schema.sql"
    count = len(added) + len(removed)
    raise SQLInputError(
        f"{label}: {count} object(s) of a kind schemadiff does not model would be "
        "silently left out of the migration; refusing.",
        detail="\n".join(lines),
    )
