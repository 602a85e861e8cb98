"""Statements that lose data are refused unless the user says the data may go."""

from __future__ import annotations

from collections.abc import Mapping

from ..diff.classify import destructive_reason, subject
from ..diff.conversions import Column
from ..diff.effects import copied_aside
from ..diff.plan import Plan
from ..errors import DestructiveChangeError


def destructive_statements(plan: Plan, conversions: Mapping[Column, str] | None = None
                           ) -> list[tuple[str, str]]:
    """(statement, reason) for each up statement of `plan` that loses data (`conversions`:
    diff/conversions.py, how its type changes convert)."""
    found = []
    statements = plan.up_statements()
    kept_elsewhere = copied_aside(statements)
    for statement in statements:
        reason = destructive_reason(statement, conversions)
        if reason and statement not in kept_elsewhere:
            found.append((statement, reason))
    return found


def refuse_destructive(plan: Plan, suspects: list[str],
                       referenced: dict[str, list[str]] | None = None,
                       conversions: Mapping[Column, str] | None = None) -> None:
    """Raise DestructiveChangeError listing what `plan` drops, and the possible renames.

    `referenced`: {schema.table: what deleting its rows does to the tables pointing at it},
    shown under each DELETE of reference rows.
    """
    destructive = destructive_statements(plan, conversions)
    if not destructive:
        return
    referenced = referenced or {}
    lines = []
    for statement, reason in destructive:
        lines.append(f"  {reason}: {statement}")
        if reason == "deletes rows":
            table = subject(statement).removeprefix("table ")
            lines += [f"      {note}" for note in referenced.get(table, ())]
    hint = ""
    if suspects:
        hint = ("\nPossible renames (declare one with `-- schemadiff: renamed from "
                "OLD` before the new name in schema.sql):\n"
                + "\n".join(f"  {s}" for s in suspects))
    raise DestructiveChangeError(
        f"Refusing {len(destructive)} destructive statement(s); nothing was written.",
        [s for s, _ in destructive],
        detail="\n".join(lines) + hint
        + "\nChange schema.sql, or pass --allow-destructive if the data may go.",
    )
