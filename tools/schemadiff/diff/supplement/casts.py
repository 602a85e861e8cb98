"""Casts (CREATE CAST): not in migra's model. A cast names no schema; its types do."""

from __future__ import annotations

from ...inspect.catalog_model import Ref, Snapshot


def _pair(ref: Ref) -> str:
    return f"({ref.name} AS {ref.member})"


def casts(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE CAST for new casts; DROP and CREATE for changed ones."""
    statements = []
    for ref, definition in sorted(after.casts.items()):
        had = before.casts.get(ref)
        if had == definition:
            continue
        if had is not None:  # a cast has no ALTER: drop and create it again
            statements.append(f"DROP CAST {_pair(ref)};")
        statements.append(f"CREATE CAST {_pair(ref)} {definition};")
    return statements


def dropped_casts(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP CAST for casts no longer declared."""
    return [f"DROP CAST IF EXISTS {_pair(ref)};"
            for ref in sorted(before.casts.keys() - after.casts.keys())]
