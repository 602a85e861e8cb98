"""Indexes on tables in use, built and dropped CONCURRENTLY, outside the file's transaction.

A plain CREATE INDEX blocks every write to its table until the build ends; on a table that
already holds rows that is an outage. CREATE/DROP INDEX CONCURRENTLY cannot run inside a
transaction block, and the Supabase CLI (3.1.0, measured: tests/test_supabase_cli.py)
commits what came before such a statement, runs it alone, and starts a new transaction
after it; SET LOCAL settings end with the transaction they were set in. So these
statements go where they cut nothing: the builds after everything else, the drops before
everything else (and before the SET LOCAL timeouts, see migrations.render).

Only where it is safe: the table exists before and after the migration, is neither created
nor dropped by it, and is not partitioned nor a partition (Postgres cannot build a
partitioned index concurrently). A UNIQUE build stays in the transaction when a foreign
key, an upsert or a constraint of the same migration may need it; a UNIQUE index is never
dropped concurrently (a foreign key may depend on it until the transaction drops that).
"""

from __future__ import annotations

import re

import pglast
from pglast import ast
from pglast.enums import ObjectType
from pglast.parser import ParseError

from ..migrations.render import ALONE_FIRST, ALONE_LAST

BUILDS, DROPS = ALONE_LAST, ALONE_FIRST

_CREATE = re.compile(r"^create (unique )?index ", re.IGNORECASE)
_DROP = re.compile(r"^drop index (if exists )?", re.IGNORECASE)


# Only these can be told apart here; the rest is never parsed (thousands of statements at
# 1000 tables).
_CANDIDATE = re.compile(r"^(create|drop)\s+((unique\s+)?index|((unlogged|temp|temporary)\s+)?"
                        r"table)\b", re.IGNORECASE)


def _parse(statement: str) -> ast.Node | None:
    if not _CANDIDATE.match(statement):
        return None
    try:
        parsed = pglast.parse_sql(statement)
    except ParseError:
        return None
    return parsed[0].stmt if len(parsed) == 1 else None


def _key(schema: str | None, name: str | None) -> str:
    """migra's model key ("schema"."name"); pg_get_indexdef leaves public unqualified."""
    return f'"{schema or "public"}"."{name}"'


def _object_key(parts) -> str:
    """The key of a DROP's object name (a tuple of String nodes)."""
    names = [p.sval for p in parts]
    return _key(*(["public", *names][-2:]))


def _in_use(key: str, from_model, to_model, remade: set[str]) -> bool:
    """The table exists on both sides, is not re-created here, and is not partitioned."""
    before, after = from_model.tables.get(key), to_model.tables.get(key)
    if before is None or after is None or key in remade:
        return False
    return not any(t.is_partitioned or t.parent_table for t in (before, after))


def _remade(statements: list[str]) -> set[str]:
    """Tables these statements create or drop (a re-created table is not in use)."""
    found = set()
    for statement in statements:
        node = _parse(statement)
        if isinstance(node, ast.CreateStmt) and node.relation is not None:
            found.add(_key(node.relation.schemaname, node.relation.relname))
        elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
            found.update(_object_key(parts) for parts in node.objects or ())
    return found


def _needed_in_transaction(node: ast.IndexStmt, statement: str, others: list[str]) -> bool:
    """A UNIQUE index that a foreign key, an upsert (ON CONFLICT) or a constraint
    (USING INDEX) of the same migration may need: it must exist before they run."""
    if not node.unique or node.relation is None:
        return False
    table = node.relation.relname or ""
    name = node.idxname or ""
    for other in others:
        if other is statement:
            continue
        lowered = other.lower()
        if (name and name.lower() in lowered) or (
                table.lower() in lowered and ("references" in lowered
                                              or "on conflict" in lowered)):
            return True
    return False


def split(statements: list[str], from_model, to_model,
          rows: list[str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """(drops, statements, builds): index drops and builds on tables in use taken out of
    `statements` and rewritten CONCURRENTLY; `rows` (the migration's reference-data
    statements) only count as users of a unique index."""
    if not any(_CREATE.match(s) or _DROP.match(s) for s in statements):
        return [], statements, []
    remade = _remade(statements)
    drops: list[str] = []
    builds: list[str] = []
    kept: list[str] = []
    everything = [*statements, *(rows or [])]
    for statement in statements:
        node = _parse(statement)
        if (isinstance(node, ast.IndexStmt) and not node.concurrent and node.relation is not None
                and _CREATE.match(statement)
                and _in_use(_key(node.relation.schemaname, node.relation.relname), from_model,
                            to_model, remade)
                and not _needed_in_transaction(node, statement, everything)):
            builds.append(_CREATE.sub(lambda m: f"CREATE {(m[1] or '').upper()}INDEX "
                                                "CONCURRENTLY ", statement, count=1))
        elif (isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_INDEX
              and not node.concurrent and len(node.objects or ()) == 1
              and _dropped_in_use(node, from_model, to_model, remade)
              and _DROP.match(statement)):
            drops.append(_DROP.sub("DROP INDEX CONCURRENTLY IF EXISTS ", statement, count=1))
        else:
            kept.append(statement)
    return drops, kept, builds


def _dropped_in_use(node: ast.DropStmt, from_model, to_model, remade: set[str]) -> bool:
    """A plain (not unique, not a constraint's) index of a table in use."""
    index = from_model.indexes.get(_object_key((node.objects or ((),))[0]))
    if index is None or index.is_unique or index.constraint:
        return False
    return _in_use(_key(index.schema, index.table_name), from_model, to_model, remade)
