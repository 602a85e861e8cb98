"""The commands of the migration loop: diff, rollback, check, verify, hash."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .. import commands
from ..review import lint as lint_mod
from . import (
    BackendOpt,
    JsonOpt,
    ProjectOpt,
    QuietOpt,
    app,
    change_json,
    count,
    emit_json,
    err,
    finding_json,
    handled,
    load_config,
    make_steps,
    relative,
)


@app.command("diff")
@handled
def diff_command(
    name: Annotated[str, typer.Argument(help="Migration name: lowercase letters, digits, _.")],
    version: Annotated[str | None, typer.Option(
        "--version", help="14-digit UTC version (default: now); must sort after every existing one."
    )] = None,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive", help="Allow drops of tables/columns, type changes, row deletes."
    )] = False,
    allow_wider_access: Annotated[bool, typer.Option(
        "--allow-wider-access", help="Allow more access for the API roles (anon, "
        "authenticated); or acknowledge one object in schema.sql: "
        "-- schemadiff-access: allow public.t -- REASON"
    )] = False,
    allow_data_dependent: Annotated[bool, typer.Option(
        "--allow-data-dependent",
        help="Allow statements that may fail on existing rows (SET NOT NULL, new UNIQUE, …); "
        "or acknowledge one table in schema.sql, before its CREATE TABLE: "
        "-- schemadiff: allow data-dependent -- REASON"
    )] = False,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write a proven migration + rollback that turn the migrations into schema.sql.

    Example: schemadiff diff add_items_table  (or: nox -s diff -- add_items_table)

    Writes supabase/migrations/<version>_<name>.sql and supabase/rollbacks/<version>_<name>.sql
    only after proving, on a scratch Postgres, that the migration reproduces schema.sql and
    the rollback restores the previous state. No difference: writes nothing, exits 0.
    """
    cfg = load_config(project)
    result = commands.diff(cfg, name, version=version, allow_destructive=allow_destructive,
                           allow_wider_access=allow_wider_access,
                           allow_data_dependent=allow_data_dependent,
                           backend=backend, steps=make_steps(quiet, as_json))
    if as_json:
        emit_json({
            "ok": True,
            "changed": result.changed,
            "migration": str(result.migration) if result.migration else None,
            "rollback": str(result.rollback) if result.rollback else None,
            "up": result.up_statements,
            "down": result.down_statements,
            "warnings": [finding_json(f) for f in result.warnings],
            "access_problems": result.access_problems,
            "data_warnings": result.data_warnings,
            "access": [change_json(c) for c in result.access],
            "data_dependent_acknowledged": result.acknowledged,
            "lossy": list(result.lossy),
            "rehearsal": _rehearsal_json(result.rehearsal),
            "notes": result.notes,
        })
        return
    for note in result.notes:
        err(f"note: {note}")
    for warning in result.warnings:
        err(f"warning: {lint_mod.render(warning)}")
    for problem in result.access_problems + result.data_warnings:
        err(f"warning: {problem}")
    for change in result.access:
        err(f"access: {change.render()}")
    for line in result.acknowledged:
        err(f"data-dependent: {line}")
    if not result.changed:
        typer.echo("No difference: the migrations already reproduce schema.sql. Nothing written.\n"
                   "Edit schema.sql first (the whole desired schema), then run diff again.")
        return
    typer.echo(f"Wrote {relative(result.migration, cfg.root)} ({count(result.up_statements)})")
    typer.echo(f"Wrote {relative(result.rollback, cfg.root)} ({count(result.down_statements)}"
               + (", lossy)" if result.lossy else ")"))
    for loss in result.lossy:
        typer.echo(f"  lossy: {loss}")
    for line in _rehearsal_lines(result.rehearsal):
        typer.echo(line)


def _rehearsal_json(rehearsal) -> dict | None:
    if rehearsal is None:
        return None
    return {"seconds": round(rehearsal.seconds, 3), "seeded": rehearsal.seeded,
            "touched": rehearsal.touched, "before_rollback": rehearsal.before_rollback,
            "skipped": rehearsal.populated.skipped,
            "seed_files": rehearsal.populated.seed_files, "failure": rehearsal.failure,
            "lost": rehearsal.lost, "notes": rehearsal.populated.notes}


def _per_table(counts: dict[str, int]) -> str:
    """'t 3, u 6', or totals when there are many tables (a 1000-table schema)."""
    if len(counts) > 12:
        return f"{sum(counts.values())} rows in {len(counts)} tables"
    return ", ".join(f"{t} {n}" for t, n in sorted(counts.items())) or "none"


def _rehearsal_lines(rehearsal) -> list[str]:
    """Rows seeded per table, rows the migration changed, tables left empty, time."""
    if rehearsal is None:
        return []
    lines = [f"Rehearsed on rows in {rehearsal.seconds:.2f} s: seeded "
             f"{_per_table(rehearsal.seeded)}"]
    if rehearsal.populated.seed_files:
        lines.append(f"  seed files: {', '.join(rehearsal.populated.seed_files)}")
    if rehearsal.before_rollback and rehearsal.before_rollback != rehearsal.seeded:
        lines.append(f"  rows before the rollback: {_per_table(rehearsal.before_rollback)}")
    lines.append(f"  rows the migration changed: {_per_table(rehearsal.touched)}")
    for table, reason in sorted(rehearsal.populated.skipped.items()):
        lines.append(f"  no sample rows for {table}: {reason}")
    for note in rehearsal.populated.notes:
        lines.append(f"  note: {note}")
    if rehearsal.failure:
        lines.append(f"  the {rehearsal.failed_step} failed on rows (acknowledged): "
                     f"{rehearsal.failure.splitlines()[0]}")
    return lines


@app.command("rollback")
@handled
def rollback_command(
    migration: Annotated[str, typer.Argument(
        help="The released migration: its version, or its file name without .sql.")],
    allow_data_dependent: Annotated[bool, typer.Option(
        "--allow-data-dependent", help="Write it even if it fails on rows in the rehearsal."
    )] = False,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Regenerate the rollback of a released migration, proven and rehearsed like `diff`.

    Example: schemadiff rollback 20250115000000

    Rewrites supabase/rollbacks/<version>_<name>.sql and its checksum; the migration itself
    is never changed (the Supabase CLI never applies rollbacks).
    """
    cfg = load_config(project)
    result = commands.regenerate_rollback(cfg, migration,
                                          allow_data_dependent=allow_data_dependent,
                                          backend=backend, steps=make_steps(quiet, as_json))
    if as_json:
        typer.echo(json.dumps({
            "ok": True, "rollback": str(result.rollback), "down": result.down_statements,
            "lossy": list(result.lossy), "rehearsal": _rehearsal_json(result.rehearsal),
        }, indent=2))
        return
    typer.echo(f"Wrote {relative(result.rollback, cfg.root)} ({len(result.down_statements)} "
               f"statements{', lossy' if result.lossy else ''})")
    for loss in result.lossy:
        typer.echo(f"  lossy: {loss}")
    for line in _rehearsal_lines(result.rehearsal):
        typer.echo(line)


@app.command("check")
@handled
def check_command(
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Exit 0 when the migrations reproduce schema.sql; exit 1 printing the pending SQL
    (or, when nothing would be generated, what the catalog judge still sees differ).

    Example: schemadiff check   (in CI or a pre-commit hook)
    """
    cfg = load_config(project)
    result = commands.check(cfg, backend=backend, steps=make_steps(quiet, as_json))
    if as_json:
        # "ok" is the verdict: drift is not ok (exit 1), as in verify's and lint's JSON.
        emit_json({"ok": result.in_sync, "in_sync": result.in_sync,
               "pending": result.pending, "unexplained": result.unexplained})
    elif result.in_sync:
        typer.echo("In sync: the migrations reproduce schema.sql.")
    elif result.unexplained:
        typer.echo("-- no statement is pending, but the catalog judge sees differences:")
        typer.echo("\n".join(f"    {d}" for d in result.unexplained))
        err(f"{len(result.unexplained)} difference(s) schemadiff cannot generate: write "
             "them by hand in a new migration, or report a bug.")
    else:
        typer.echo("-- schema.sql differs from the migrations; pending SQL:")
        typer.echo("\n".join(result.pending))
        err(f"{len(result.pending)} pending statement(s): run `nox -s diff -- NAME`.")
    if not result.in_sync:
        raise typer.Exit(1)


@app.command("verify")
@handled
def verify_command(
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Prove every migration: up, rollback (== before), up again (== after), end == schema.sql;
    and rehearse each migration then its rollback on rows (seed.sql and sample rows).

    Example: schemadiff verify   (nox -s test runs it before the test suite)
    """
    cfg = load_config(project)
    report = commands.verify(cfg, backend=backend, steps=make_steps(quiet, as_json))
    if as_json:
        emit_json({
            "ok": report.ok,
            "migrations": [
                {"name": m.name, "up": m.up, "down": m.down, "reup": m.reup,
                 "rows": m.rows, "seconds": round(m.seconds, 3), "problems": m.problems}
                for m in report.migrations
            ],
            "final_equal": report.final.equal if report.final else None,
            "final_differences": report.final.render() if report.final else None,
            "notes": report.notes,
        })
    else:
        width = max([len(m.name) for m in report.migrations] + [9])
        typer.echo(f"{'migration':<{width}}  {'up':<8} {'down':<12} {'re-up':<12} "
                   f"{'on rows':<12} time")
        for m in report.migrations:
            typer.echo(f"{m.name:<{width}}  {m.up if m.up == 'ok' else 'FAIL':<8} "
                       f"{m.down:<12} {m.reup:<12} {m.rows:<12} {m.seconds:.2f} s")
        for m in report.migrations:
            for problem in m.problems:
                err(f"error: {problem}")
        if report.final is not None:
            if report.final.equal:
                typer.echo("Final state equals schema.sql.")
            else:
                err("error: the migrations do not reproduce schema.sql:\n"
                     + report.final.render())
        passed = sum(1 for m in report.migrations if m.ok)
        typer.echo(f"{passed} of {len(report.migrations)} migration(s) verified"
                   + ("" if report.ok else "; FAILED"))
    if not report.ok:
        raise typer.Exit(1)


@app.command("hash")
@handled
def hash_command(
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",  # noqa: ARG001 - every command takes it; no server needed
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Record the checksums of the migrations as they are now (adopting an existing history).

    Example: schemadiff hash   (once, when a project with migrations starts using schemadiff)

    check and verify then refuse any later edit of those files. Run it only on purpose:
    it accepts the files as they are, edits included.
    """
    cfg = load_config(project)
    make_steps(quiet, as_json)  # no progress, but --json's notes start empty
    recorded = commands.hash_migrations(cfg)
    if as_json:
        emit_json({"ok": True, "recorded": recorded})
    else:
        typer.echo(f"Recorded {len(recorded)} checksum(s) in "
                   f"{relative(cfg.migrations_dir.parent / 'schemadiff.sum', cfg.root)}.")
