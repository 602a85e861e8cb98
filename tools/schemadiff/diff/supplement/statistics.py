"""Extended statistics (CREATE STATISTICS): not in migra's model."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot
from .fates import KEPT, Fates, each


def statistics(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    """CREATE STATISTICS for new, changed and lost statistics objects; their targets."""
    statements = []
    for ref, state in each(after.statistics, fate):
        want, had = after.statistics[ref], before.statistics.get(ref)
        # A table migra re-creates loses its statistics objects, so those are made again.
        recreate = had is None or had.definition != want.definition or state != KEPT
        if recreate:
            if had is not None:
                statements.append(f"DROP STATISTICS IF EXISTS {ref.qualified()};")
            statements.append(want.definition + ";")
        if (recreate and want.target is not None) or (
                not recreate and had is not None and had.target != want.target):
            target = -1 if want.target is None else want.target  # -1: the default
            statements.append(f"ALTER STATISTICS {ref.qualified()} SET STATISTICS {target};")
    return statements


def dropped_statistics(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP STATISTICS for statistics objects no longer declared."""
    # IF EXISTS: dropping its table or one of its columns drops a statistics object too.
    return [f"DROP STATISTICS IF EXISTS {ref.qualified()};"
            for ref in sorted(before.statistics.keys() - after.statistics.keys())]
