"""The round-trip assertion of fixture-folder tests: a + migration == b; b + rollback == a."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemadiff.build import apply_into
from schemadiff.data.declared import declared_tables
from schemadiff.diff.plan import Plan, make_plans
from schemadiff.inspect.scope import Scope
from schemadiff.inspect.views import Views
from schemadiff.migrations import irreversible_header, render
from schemadiff.migrations.render import laid_out
from schemadiff.proof.compare import Judge
from schemadiff.proof.verify import prove_first
from schemadiff.sources import read_sql


@dataclass
class RoundTrip:
    plan: Plan
    up_text: str
    down_text: str


def render_sections(sections: list[tuple[str, list[str]]]) -> str:
    """A plan's sections laid out as migrations.render_pair lays out a file (what runs
    before, in and after its transaction), without headers or timeouts."""
    return render("", laid_out(sections, []), [])


def _render_down(plan: Plan) -> str:
    if plan.irreversible:  # as migrations.render_pair heads such a rollback
        return "".join(f"-- {line}\n" for line in irreversible_header(plan.irreversible))
    return render_sections(plan.down)


def roundtrip(server, databases, case: Path, schemas=("public",), unmanaged=()) -> RoundTrip:
    """Plan a.sql → b.sql in `case`, prove both directions (raises VerificationError if not)."""
    a = databases.create("a")
    b = databases.create("b")
    try:
        if (case / "a.sql").read_text().strip():
            apply_into(server, a, case / "a.sql")
        apply_into(server, b, case / "b.sql")
        views = Views(server, Scope(tuple(schemas), tuple(unmanaged)))
        with views.connected(b) as conn:
            reference = declared_tables(read_sql(case / "b.sql"), {}, views.scope, conn)
        plan, up, down = prove_first(
            Judge(views, reference), databases, a, b, make_plans(views, a, b, reference),
            lambda p: ((f"{case.name}/up", render_sections(p.up)),
                       (f"{case.name}/down", _render_down(p))),
        )
        return RoundTrip(plan, up, down)
    finally:
        databases.drop(a)
        databases.drop(b)
