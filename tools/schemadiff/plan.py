"""The migration and its rollback, as sections of statements, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import classify, diff
from .compare import Judge

Section = tuple[str, list[str]]


@dataclass
class Plan:
    """Up and down statements in the order they run, grouped under headings."""

    up: list[Section] = field(default_factory=list)
    down: list[Section] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(statements for _, statements in self.up)

    def up_statements(self) -> list[str]:
        return [s for _, statements in self.up for s in statements]

    def down_statements(self) -> list[str]:
        return [s for _, statements in self.down for s in statements]

    def destructive(self) -> list[tuple[str, str]]:
        """(statement, reason) for each up statement that loses data."""
        found = []
        for statement in self.up_statements():
            reason = classify.destructive_reason(statement)
            if reason:
                found.append((statement, reason))
        return found


def grouped(statements: list[str]) -> list[Section]:
    """Consecutive statements about one object under one heading; order is kept as is."""
    sections: list[Section] = []
    for statement in statements:
        label = classify.subject(statement)
        if sections and sections[-1][0] == label:
            sections[-1][1].append(statement)
        else:
            sections.append((label, [statement]))
    return sections


def make_plan(judge: Judge, current: str, desired: str) -> Plan:
    """DDL (migra) both ways between the `current` and `desired` databases."""
    up = diff.statements(judge.model(current), judge.model(desired))
    down = diff.statements(judge.model(desired), judge.model(current))
    return Plan(up=grouped(up), down=grouped(down))
