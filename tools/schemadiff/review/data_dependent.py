"""Statements whose success depends on the rows present are refused unless acknowledged.

An empty scratch database accepts SET NOT NULL, a new UNIQUE or a narrowing cast every
time; production may not. Refused: statements that depend on data by nature
(diff/effects.py), and any change whose migration or rollback failed, or lost rows it
did not declare, in the rehearsal (proof/rehearse.py).
"""

from __future__ import annotations

from ..diff.effects import data_dependent
from ..errors import DataDependentChangeError
from ..proof.rehearse import Rehearsal

ACKNOWLEDGE = ("Or pass --allow-data-dependent if every database this migration will run on "
               "is known to hold no rows that break it.")


def refuse_by_nature(up_statements: list[str], covered: set[str] | None = None) -> None:
    """Raise DataDependentChangeError naming each statement, its table and the way forward.

    `covered`: statements a backfill declared in schema.sql runs before (the rehearsal
    still proves them on rows).
    """
    found = [item for item in data_dependent(up_statements)
             if item.statement not in (covered or set())]
    if not found:
        return
    lines = []
    for item in found:
        lines += [f"  {item.table}: {item.what}", f"    {item.statement}",
                  f"    way forward: {item.way_forward}"]
    raise DataDependentChangeError(
        f"Refusing {len(found)} data-dependent statement(s): they pass on an empty database "
        "and may fail on rows; nothing was written.",
        [item.statement for item in found],
        detail="\n".join(lines) + "\n" + ACKNOWLEDGE,
    )


def refuse_failed_rehearsal(rehearsal: Rehearsal, *, losses_allowed: bool = False
                            ) -> list[str]:
    """Raise DataDependentChangeError when the rehearsal failed or lost undeclared rows.

    `losses_allowed` (--allow-destructive given for a migration that drops or converts
    data): a rollback that then fails on rows (re-adding a dropped NOT NULL column, say)
    cannot do better, so it is returned as a warning instead.
    """
    if (rehearsal.failure is not None and rehearsal.failed_step == "rollback"
            and losses_allowed and rehearsal.migration_losses):
        return [f"the rollback fails on a database holding rows, because the migration "
                f"{'; '.join(rehearsal.migration_losses)}; restore those values before "
                "applying it: "
                f"{rehearsal.failure.splitlines()[0]}"]
    if rehearsal.failure is not None:
        raise DataDependentChangeError(
            f"The generated {rehearsal.failed_step} fails on a database holding rows "
            "(seed files and sample rows); nothing was written.",
            [],
            detail=f"{rehearsal.failure}\nThe rows the rehearsal used: "
                   + _seeded(rehearsal) + "\nFix those rows first in a migration of its "
                   "own, change schema.sql, or " + ACKNOWLEDGE[3:],
        )
    if rehearsal.lost:
        raise DataDependentChangeError(
            f"The rollback does not give back {len(rehearsal.lost)} row value(s) that no "
            "statement declares lost; nothing was written.",
            [],
            detail="\n".join(f"  {line}" for line in rehearsal.lost) + "\n" + ACKNOWLEDGE,
        )
    return []


def _seeded(rehearsal: Rehearsal) -> str:
    return ", ".join(f"{table} {rows}" for table, rows in sorted(rehearsal.seeded.items())) \
        or "none"
