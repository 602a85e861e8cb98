"""The round-trip assertion of fixture-folder tests: a + migration == b; b + rollback == a."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemadiff.apply import read_sql
from schemadiff.build import apply_into
from schemadiff.compare import make_judge
from schemadiff.diff import Scope
from schemadiff.plan import Plan, make_plans
from schemadiff.verify import prove_first


@dataclass
class RoundTrip:
    plan: Plan
    up_text: str
    down_text: str


def _render(statements: list[str]) -> str:
    return "\n".join(statements) + "\n"


def roundtrip(server, databases, case: Path, schemas=("public",), unmanaged=()) -> RoundTrip:
    """Plan a.sql → b.sql in `case`, prove both directions (raises VerificationError if not)."""
    a = databases.create("a")
    b = databases.create("b")
    try:
        if (case / "a.sql").read_text().strip():
            apply_into(server, a, case / "a.sql")
        apply_into(server, b, case / "b.sql")
        judge = make_judge(server, Scope(tuple(schemas), tuple(unmanaged)),
                           read_sql(case / "b.sql"), {}, b)
        plan, up, down = prove_first(
            judge, databases, a, b, make_plans(judge, a, b),
            lambda p: ((f"{case.name}/up", _render(p.up_statements())),
                       (f"{case.name}/down", _render(p.down_statements()))),
        )
        return RoundTrip(plan, up, down)
    finally:
        databases.drop(a)
        databases.drop(b)
