"""Range types: migra has no DDL for them."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot


def ranges(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE TYPE ... AS RANGE for new range types."""
    # A range type cannot be altered, and dropping one that columns use would lose them:
    # a changed range is left to the catalog judge, which reports it.
    return [f"CREATE TYPE {ref.qualified()} AS RANGE ({definition});"
            for ref, definition in sorted(after.ranges.items()) if ref not in before.ranges]


def dropped_ranges(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP TYPE for range types no longer declared."""
    # Its multirange and constructor functions go with it.
    return [f"DROP TYPE {ref.qualified()};"
            for ref in sorted(before.ranges.keys() - after.ranges.keys())]
