"""Proof: nothing is written, or trusted, unless a real Postgres agrees.

`prove` checks a freshly generated migration; `verify_history` checks every
released migration and rollback in order, and has each pair rehearsed on rows (the
caller's `rehearse`: rehearse.py, judged by review/data_dependent.py) until one fails there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..apply import apply_to
from ..build import NO_SETUP, Setup, platform_steps
from ..errors import SQLInputError, VerificationError
from ..migrations import IRREVERSIBLE_MARKER, Migration, declares_irreversible
from ..scratch import Databases
from ..sources import SqlFile, read_sql
from .compare import Comparison, Judge

# (the database before a migration, the migration) -> ("ok", "acknowledged" or "FAIL", the
# problem): the migration and its rollback rehearsed on rows, and judged
RehearseStep = Callable[[str, Migration], tuple[str, str | None]]


def _apply_text(judge: Judge, dbname: str, label: str, text: str) -> None:
    try:
        apply_to(judge.server, dbname, SqlFile(Path(label), text))
    finally:
        judge.forget(dbname)


def prove(judge: Judge, databases: Databases, current: str, desired: str,
          up: tuple[str, str], down: tuple[str, str], clone: str | None = None) -> None:
    """`up` (label, text) on a clone of `current` must give `desired`; `down` then `current`
    (unless `down` declares the migration irreversible).

    `clone`: a clone of `current` made earlier (it is used up); else one is made here.
    """
    clone = clone or databases.create("proof", template=current)
    try:
        checks = (
            (up, desired, "The generated migration fails to apply",
             "The generated migration does not reproduce schema.sql"),
            (down, current, "The generated rollback fails to apply",
             "The generated rollback does not restore the previous state"),
        )
        # A rollback declared irreversible holds nothing to undo with: only up is proven.
        for (label, text), target, fails, differs in checks[:1 if declares_irreversible(
                down[1]) else 2]:
            try:
                _apply_text(judge, clone, label, text)
            except SQLInputError as exc:
                raise VerificationError(f"{fails}; nothing was written.", detail=str(exc)) from None
            result = judge.compare(clone, target)
            if not result.equal:
                raise VerificationError(f"{differs}; nothing was written.",
                                        detail=result.render())
    finally:
        judge.forget(clone)
        databases.drop(clone)


def prove_first(judge: Judge, databases: Databases, current: str, desired: str,
                candidates: list, render, spare: str | None = None) -> tuple:
    """Prove candidate plans in order; return (plan, up, down) of the first that holds.

    `render(plan)` gives ((label, up_text), (label, down_text)). When every candidate
    fails, the last one's error is raised (the plainest plan's). `spare`: a clone of
    `current` made ahead of time, for the first proof.
    """
    error: VerificationError | None = None
    for plan in candidates:
        up, down = render(plan)
        clone, spare = spare, None
        try:
            prove(judge, databases, current, desired, up, down, clone)
        except VerificationError as exc:
            error = exc
            continue
        return plan, up[1], down[1]
    assert error is not None
    raise error


@dataclass
class MigrationCheck:
    """How one released migration fared: each step's outcome and time."""

    name: str
    up: str = "not run"  # "ok" or a reason
    down: str = "not run"  # "ok", "irreversible", "missing", or a reason
    reup: str = "not run"
    # The migration, then its rollback, on a populated clone: "ok", "FAIL", or why not run.
    rows: str = "not run"
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class HistoryReport:
    migrations: list[MigrationCheck] = field(default_factory=list)
    final: Comparison | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.migrations) and (self.final is None or self.final.equal)


def _try_apply(judge: Judge, dbname: str, path: Path) -> str:
    try:
        apply_to(judge.server, dbname, read_sql(path))
    except SQLInputError as exc:
        return str(exc)
    finally:
        judge.forget(dbname)
    return "ok"


def verify_history(judge: Judge, databases: Databases, migrations: list[Migration],
                   desired: str | None, progress=None,
                   setup: Setup = NO_SETUP,
                   rehearse: RehearseStep | None = None) -> HistoryReport:
    """Up, down (== before), re-up (== after) for each migration; the end must equal `desired`.

    `rehearse`: also the migration and its rollback on rows, each pair until the first
    that fails there (the rest are reported "skipped")."""
    report = HistoryReport()
    rows_failed = False
    previous = databases.create("v0")
    platform = platform_steps(judge.server, migrations, setup)
    for index, migration in enumerate(migrations):
        for source in platform.get(index, ()):
            apply_to(judge.server, previous, source)  # the platform's own change
        check = MigrationCheck(migration.stem)
        report.migrations.append(check)
        start = time.perf_counter()
        after = databases.create("vup", template=previous)
        check.up = _try_apply(judge, after, migration.path)
        if check.up != "ok":
            check.problems.append(f"{migration.path.name}: fails to apply: {check.up}")
            check.seconds = time.perf_counter() - start
            databases.drop(after)
            break
        if migration.irreversible():
            check.down = check.reup = "irreversible"
        elif not migration.rollback.is_file():
            check.down = "missing"
            check.problems.append(
                f"{migration.path.name}: no rollback at {migration.rollback}. Generate it with "
                "`schemadiff diff`, or declare the migration irreversible with a rollback file "
                f"holding the line '{IRREVERSIBLE_MARKER}'."
            )
        else:
            scratch = databases.create("vdown", template=after)
            check.down = _try_apply(judge, scratch, migration.rollback)
            if check.down == "ok":
                back = judge.compare(scratch, previous)
                if not back.equal:
                    check.down = "differs"
                    check.problems.append(
                        f"{migration.rollback.name}: the rollback does not restore the state "
                        f"before {migration.path.name}:\n{back.render()}"
                    )
                check.reup = _try_apply(judge, scratch, migration.path)
                if check.reup == "ok":
                    again = judge.compare(scratch, after)
                    if not again.equal:
                        check.reup = "differs"
                        check.problems.append(
                            f"{migration.path.name}: applied again after its rollback, it gives "
                            f"another result:\n{again.render()}"
                        )
                else:
                    check.problems.append(f"{migration.path.name}: fails to re-apply after its "
                                          f"rollback: {check.reup}")
            else:
                check.problems.append(f"{migration.rollback.name}: fails to apply: {check.down}")
            databases.drop(scratch)
            if rehearse is not None and check.ok and not rows_failed:
                check.rows, problem = rehearse(previous, migration)
                if problem:
                    check.problems.append(problem)
                    rows_failed = True
            elif rehearse is not None and rows_failed:
                check.rows = "skipped"
        if migration.irreversible() or not migration.rollback.is_file():
            check.rows = "no rollback"
        check.seconds = time.perf_counter() - start
        if progress:
            progress(check)
        databases.drop(previous)
        previous = after
    if all(m.up == "ok" for m in report.migrations):
        for source in platform.get(len(migrations), ()):
            apply_to(judge.server, previous, source)
            judge.forget(previous)
    if desired is not None and all(m.up == "ok" for m in report.migrations):
        report.final = judge.compare(previous, desired)
    databases.drop(previous)
    return report

