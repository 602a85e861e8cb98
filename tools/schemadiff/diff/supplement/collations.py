"""Collations (CREATE COLLATION): migra writes them with one `locale` and no provider
details (an ICU locale, lc_collate <> lc_ctype and deterministic = false are lost), so
they are the supplement's, and diff.statements leaves migra's collation DDL out."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot


def collations(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE COLLATION for new collations; DROP and CREATE for changed ones (no ALTER
    changes a collation's definition; columns that use one keep it from being dropped,
    which the proof then reports)."""
    statements = []
    for ref, definition in sorted(after.collations.items()):
        had = before.collations.get(ref)
        if had == definition:
            continue
        if had is not None:
            statements.append(f"DROP COLLATION {ref.qualified()};")
        statements.append(f"CREATE COLLATION {ref.qualified()} ({definition});")
    return statements


def dropped_collations(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP COLLATION for collations no longer declared, after the columns left them."""
    return [f"DROP COLLATION IF EXISTS {ref.qualified()};"
            for ref in sorted(before.collations.keys() - after.collations.keys())]
