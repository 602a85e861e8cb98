"""Publication membership (supabase_realtime): migra does not see publications."""

from __future__ import annotations

from ...inspect.catalog_model import Ref, Snapshot, quote_ident
from .fates import KEPT, NEW, Fates


def publications(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # Membership is per table; a table migra re-creates (a rare partitioning change)
    # is treated as kept, since ADD TABLE twice would fail.
    drops, adds = [], []

    def drop(publication: str, table: Ref) -> None:
        drops.append(f"ALTER PUBLICATION {quote_ident(publication)} "
                     f"DROP TABLE {table.qualified()};")

    for (publication, table), spec in sorted(after.publications.items()):
        state = fate(table)
        if state is None:
            continue
        had = before.publications.get((publication, table)) if state != NEW else None
        if had == spec:
            continue
        if had is not None:
            drop(publication, table)
        adds.append(f"ALTER PUBLICATION {quote_ident(publication)} ADD TABLE {spec};")
    for publication, table in sorted(before.publications.keys() - after.publications.keys()):
        if fate(table) == KEPT:
            drop(publication, table)
    return drops + adds
