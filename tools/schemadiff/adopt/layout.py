"""A written schema.sql laid out as a person would: one banner per table, its indexes,
keys, row-level security, policies and grants under it; reference rows at the end."""

from __future__ import annotations

from ..diff.classify import created_table, subject

RULE = "-- " + "=" * 75


def _banner(title: str) -> list[str]:
    return ["", "", RULE, f"-- {title}", RULE]


def render(statements: list[str], title: list[str]) -> str:
    """The file: `title` as comment lines, then the statements in their order, under a
    banner per table (and one per run of other objects)."""
    lines = [f"-- {line}" if line else "--" for line in title]
    tables = {t for t in map(created_table, statements) if t}
    current: str | None = None
    for statement in statements:
        table = created_table(statement)
        owner = subject(statement).removeprefix("table ")
        if statement.lstrip().lower().startswith("insert"):
            heading = "reference data"
        elif table:
            heading = f"{table}"
        elif owner in tables:
            heading = owner
        elif current in tables or current is None:
            heading = "other objects" if current is not None else "before the tables"
        else:
            heading = current
        if heading != current:
            lines += _banner(heading)
            current = heading
        lines += ["", statement.rstrip()]
    return "\n".join(lines) + "\n"
