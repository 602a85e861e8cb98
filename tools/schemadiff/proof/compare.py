"""Are two databases the same? Asked of migra and of the independent catalog judge.

The catalog judge compares two catalog snapshots object by object, without migra;
`Judge` asks both, and compares the reference-data rows too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..data.declared import ReferenceTable
from ..data.rows import compare_rows
from ..diff.statements import statements
from ..inspect.catalog_model import Snapshot
from ..inspect.views import Views


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
class CatalogVerdict:
    """The catalog judge's verdict: equal when no object differs; notes never make it unequal."""

    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        lines = [str(d) for d in self.differences] or ["no difference"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def compare_snapshots(left: Snapshot, right: Snapshot) -> CatalogVerdict:
    """Every identity whose normalized definition differs, plus column-order notes."""
    result = CatalogVerdict()
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


@dataclass
class Comparison:
    """Differences between two databases, by judge; empty lists mean equal."""

    migra: list[str] = field(default_factory=list)  # statements migra would still emit
    catalog: list[str] = field(default_factory=list)  # what the catalog judge sees differ
    rows: list[str] = field(default_factory=list)  # reference-data rows that differ
    notes: list[str] = field(default_factory=list)  # e.g. column order: not failures

    @property
    def equal(self) -> bool:
        return not (self.migra or self.catalog or self.rows)

    def render(self) -> str:
        parts = []
        if self.migra:
            parts.append("migra still sees differences; it would emit:\n"
                         + "\n".join(f"    {s}" for s in self.migra))
        if self.catalog:
            parts.append("the catalog judge sees differences:\n"
                         + "\n".join(f"    {d}" for d in self.catalog))
        if self.rows:
            parts.append("reference data differs:\n" + "\n".join(f"    {r}" for r in self.rows))
        return "\n".join(parts)


class Judge:
    """Compares databases of one server by both judges (and their reference rows)."""

    def __init__(self, views: Views, reference_tables: list[ReferenceTable] | None = None):
        self.views = views
        self.server = views.server
        self.reference_tables = reference_tables or []

    def compare(self, left: str, right: str) -> Comparison:
        """What differs between databases `left` and `right`, by both judges."""
        self.views.inspect(left, right)
        verdict = compare_snapshots(self.views.snapshot(left), self.views.snapshot(right))
        return Comparison(
            migra=statements(self.views.model(left), self.views.model(right)),
            catalog=[str(d) for d in verdict.differences],
            rows=self.compare_rows(left, right),
            notes=list(verdict.notes),
        )

    def compare_rows(self, left: str, right: str) -> list[str]:
        if not self.reference_tables:
            return []
        with self.views.connected(left) as a, self.views.connected(right) as b:
            return compare_rows(a, b, self.reference_tables, labels=(left, right))

    def forget(self, dbname: str) -> None:
        """Drop cached views of a database that has changed."""
        self.views.forget(dbname)
