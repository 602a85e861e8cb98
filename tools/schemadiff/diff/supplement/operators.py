"""Operators (CREATE OPERATOR): not in migra's model."""

from __future__ import annotations

from ...inspect.catalog_model import Ref, Snapshot, quote_ident


def _name(ref: Ref) -> str:
    # An operator's name is not an identifier: never quoted.
    return f"{quote_ident(ref.schema)}.{ref.name}"


def operators(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE OPERATOR for new operators; DROP and CREATE for changed ones."""
    statements = []
    for ref, definition in sorted(after.operators.items()):
        had = before.operators.get(ref)
        if had == definition:
            continue
        if had is not None:  # ALTER OPERATOR sets only some options: drop and create again
            statements.append(f"DROP {ref.sql()};")
        statements.append(f"CREATE OPERATOR {_name(ref)} ({definition});")
    return statements


def dropped_operators(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP OPERATOR for operators no longer declared."""
    return [f"DROP OPERATOR IF EXISTS {_name(ref)} ({ref.member});"
            for ref in sorted(before.operators.keys() - after.operators.keys())]
