"""Statements whose success depends on the rows present are refused unless acknowledged.

An empty scratch database accepts SET NOT NULL, a new UNIQUE or a narrowing cast every
time; production may not. Refused: statements that depend on data by nature
(diff/effects.py), and any change whose migration or rollback failed, or lost rows it
did not declare, in the rehearsal (proof/rehearse.py).

Acknowledged: every statement with --allow-data-dependent, or the statements on one table
with `-- schemadiff: allow data-dependent -- REASON` on its CREATE TABLE (review/data_acks.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..diff.conversions import Column
from ..diff.effects import DataDependent, data_dependent
from ..errors import DataDependentChangeError
from ..proof.rehearse import Rehearsal
from .data_acks import EXAMPLE, TableAck

FLAG = "--allow-data-dependent"
ACKNOWLEDGE = (f"Or pass {FLAG} if every database this migration will run on is known to "
               "hold no rows that break it; or, for one table (e.g. one known to be empty), "
               f"say so on the line before its CREATE TABLE in schema.sql:\n  {EXAMPLE}")


@dataclass(frozen=True)
class Acknowledged:
    """A data-dependent statement let through, and who let it through."""

    item: DataDependent
    reason: str  # schema.sql's reason and where, or the flag

    def render(self) -> str:
        return f"{self.item.table}: {self.item.what} (acknowledged: {self.reason})"


def refuse_by_nature(up_statements: list[str], covered: set[str] | None = None, *,
                     conversions: Mapping[Column, str] | None = None,
                     acks: Sequence[TableAck] = (), allow_all: bool = False
                     ) -> list[Acknowledged]:
    """The data-dependent statements acknowledged (per table in schema.sql, or all by
    `allow_all`); raise DataDependentChangeError naming each other one, its table and the
    way forward.

    `covered`: statements a backfill declared in schema.sql runs before (the rehearsal
    still proves them on rows). `conversions`: how each type change converts
    (diff/conversions.py): a widening one does not depend on data.
    """
    by_table = {ack.table: ack for ack in acks}
    found, acknowledged = [], []
    for item in data_dependent(up_statements, conversions):
        if item.statement in (covered or set()):
            continue
        ack = by_table.get(item.table)
        if ack is not None or allow_all:
            acknowledged.append(Acknowledged(item, ack.label if ack else FLAG))
        else:
            found.append(item)
    if not found:
        return acknowledged
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


def stale_acks(acks: Sequence[TableAck], up_statements: list[str],
               conversions: Mapping[Column, str] | None = None) -> list[str]:
    """A note for each per-table acknowledgement no data-dependent statement of the change
    needs (once its migration is released, a hint is stale and only keeps sample rows out
    of the rehearsal)."""
    needed = {item.table for item in data_dependent(up_statements, conversions)}
    return [f"{ack.where}: `allow data-dependent` on {ack.table} acknowledges nothing in "
            "this change; it keeps sample rows out of the rehearsal of that table: delete it "
            "once the migration that needed it is released" for ack in acks
            if ack.table not in needed]


def released_on_rows(rehearsal: Rehearsal, migration: str, rollback: str, *,
                     acknowledged_all: bool = False, losses_allowed: bool = False
                     ) -> tuple[str, str | None]:
    """("ok", "acknowledged" or "FAIL"; the problem) of a released migration and its
    rollback rehearsed on rows (`verify`). What `diff` let through when it wrote them passes
    again: every failure under --allow-data-dependent (`acknowledged_all`), and a rollback
    failing for what an allowed destructive migration dropped (`losses_allowed`)."""
    if rehearsal.failure is not None:
        step = rehearsal.failed_step
        if acknowledged_all or (step == "rollback" and losses_allowed
                                and rehearsal.migration_losses):
            return "acknowledged", None
        name = migration if step == "migration" else rollback
        return "FAIL", (f"{name}: fails on a database holding rows (seed files and sample "
                        f"rows; the {step} of {migration}):\n{rehearsal.failure}")
    if rehearsal.lost:
        if acknowledged_all:
            return "acknowledged", None
        lost = "\n".join(f"  {line}" for line in rehearsal.lost)
        return "FAIL", (f"{rollback}: does not give back rows that no statement declares "
                        f"lost:\n{lost}")
    return "ok", None
