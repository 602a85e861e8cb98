"""The second judge: two catalog snapshots compared object by object, without migra."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog_model import Snapshot

__all__ = ["Comparison", "Difference", "compare"]


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines() or [""])


@dataclass(frozen=True)
class Difference:
    """One object whose definition differs; None on the side where it does not exist."""

    identity: str
    left: str | None
    right: str | None

    def __str__(self) -> str:
        if self.left is None:
            return f"{self.identity}: only on the right\n    right:\n{_indent(self.right or '')}"
        if self.right is None:
            return f"{self.identity}: only on the left\n    left:\n{_indent(self.left)}"
        return (f"{self.identity}: differs\n    left:\n{_indent(self.left)}\n"
                f"    right:\n{_indent(self.right)}")


@dataclass
class Comparison:
    """Result of compare(): equal when no object differs; notes never make it unequal."""

    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        lines = [str(d) for d in self.differences] or ["no difference"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def compare(left: Snapshot, right: Snapshot) -> Comparison:
    """Every identity whose normalized definition differs, plus column-order notes."""
    result = Comparison()
    for identity in sorted(left.objects.keys() | right.objects.keys()):
        a, b = left.objects.get(identity), right.objects.get(identity)
        if a != b:
            result.differences.append(Difference(identity, a, b))
    for table in sorted(left.column_order.keys() & right.column_order.keys()):
        a_cols, b_cols = left.column_order[table], right.column_order[table]
        # Only the order of the columns both sides have: added/dropped ones are differences.
        shared = set(a_cols) & set(b_cols)
        a_order = [c for c in a_cols if c in shared]
        b_order = [c for c in b_cols if c in shared]
        if a_order != b_order:
            result.notes.append(
                f"{table}: column order differs (left: {', '.join(a_order)}; "
                f"right: {', '.join(b_order)}); ADD COLUMN always appends, so this is not a failure"
            )
    return result
