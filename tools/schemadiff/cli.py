"""The schemadiff command line: parse, call one command, render, map errors to exit codes."""

from __future__ import annotations

import functools
import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import __version__, commands
from . import config as config_mod
from .errors import (
    EXIT_NO_POSTGRES,
    DataDependentChangeError,
    DestructiveChangeError,
    SchemadiffError,
)
from .progress import Steps
from .review import access as access_mod
from .review import lint as lint_mod
from .review.lint import run as lint_run
from .review.widening import AccessWideningError, Change
from .scratch import NAMES as BACKENDS
from .scratch.cluster import clear_cache
from .scratch.server import lost_connection
from .scratch.url import ENV_VAR, reap_configured

EPILOG = (
    "Exit codes: 0 no difference / success, 1 drift, verification failed or lint error, "
    "2 usage error, 3 change refused (destructive, data-dependent or wider access), "
    "4 no scratch Postgres (or it died), 5 bad SQL input. Docs: README.md."
)

app = typer.Typer(
    name="schemadiff",
    help="Make schema.sql the single source of truth for a Supabase Postgres database.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    # Locals can hold database passwords: never print them in a traceback.
    pretty_exceptions_show_locals=False,
)
cache_app = typer.Typer(help="Manage the cached scratch clusters.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

ProjectOpt = Annotated[
    Path | None,
    typer.Option("--project", "-C", help="Project directory (default: nearest pyproject.toml).",
                 show_default=False),
]
BackendOpt = Annotated[
    str,
    typer.Option("--backend", "-b",
                 help=f"Scratch Postgres: {' | '.join(BACKENDS)}. auto tries url (when "
                      "SCHEMADIFF_DATABASE_URL is set), local, embedded, docker."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Print the schemadiff version and exit.")] = False,
) -> None:
    """Make schema.sql the single source of truth for a Supabase Postgres database."""


def _err(message: str) -> None:
    typer.echo(message, err=True)


# What this command was told about its scratch server (which backend and why, what was
# cleaned up): progress lines, and "scratch_notes" in --json.
_NOTES: list[str] = []


def _json(payload: dict) -> None:
    typer.echo(json.dumps({**payload, "scratch_notes": list(_NOTES)}, indent=2))


def _steps(quiet: bool, as_json: bool) -> Steps:
    _NOTES.clear()
    tty = sys.stderr.isatty()

    def sink(label: str, seconds: float | None) -> None:
        if seconds is not None and seconds < 0:
            _NOTES.append(label)
        if quiet:
            return
        if seconds is None:
            if tty:
                typer.echo(f"  {label}…", err=True, nl=False)
        elif seconds < 0:
            if tty:
                typer.echo("", err=True)
            _err(f"  {label}")
        elif tty:
            typer.echo(f" {seconds:.2f} s", err=True)
        else:
            _err(f"  {label}… {seconds:.2f} s")

    return Steps(sink=sink)


def _config(project: Path | None) -> config_mod.Config:
    root = project.resolve() if project else config_mod.find_root(Path.cwd())
    config = config_mod.load(root)
    # Lint levels are checked with every command: a typo in a rule name is a config error.
    lint_mod.check_config(config.lint, config.pyproject)
    return config


def handled(func):
    """Report our errors without a traceback, with their exit code; Ctrl-C/SIGTERM exit 130."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        as_json = kwargs.get("as_json", False)
        try:
            return func(*args, **kwargs)
        except SchemadiffError as exc:
            if sys.stderr.isatty() and not as_json:
                typer.echo("", err=True)
            if as_json:
                payload = {"ok": False, "exit_code": exc.exit_code, "error": exc.message,
                           "detail": exc.detail}
                if isinstance(exc, DestructiveChangeError):
                    payload["destructive"] = exc.statements
                if isinstance(exc, AccessWideningError):
                    payload["wider_access"] = exc.changes
                if isinstance(exc, DataDependentChangeError):
                    payload["data_dependent"] = exc.statements
                _json(payload)
            _err(f"error: {exc.message}")
            if exc.detail:
                _err(exc.detail)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _err("\ninterrupted: the scratch server was stopped and nothing was written.")
            raise typer.Exit(130) from None
        except Exception as exc:
            if not lost_connection(exc):
                raise
            if sys.stderr.isatty():
                typer.echo("", err=True)
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            message = (f"the scratch Postgres stopped answering ({cause}); "
                       "nothing was written.")
            if as_json:
                _json({"ok": False, "exit_code": EXIT_NO_POSTGRES,
                                       "error": message, "detail": None})
            _err(f"error: {message}")
            _err("  Was it killed, or out of memory or disk? Run the command again.")
            raise typer.Exit(EXIT_NO_POSTGRES) from None

    return wrapper


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
        help="Allow statements that may fail on existing rows (SET NOT NULL, new UNIQUE, …)."
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
    cfg = _config(project)
    result = commands.diff(cfg, name, version=version, allow_destructive=allow_destructive,
                           allow_wider_access=allow_wider_access,
                           allow_data_dependent=allow_data_dependent,
                           backend=backend, steps=_steps(quiet, as_json))
    if as_json:
        _json({
            "ok": True,
            "changed": result.changed,
            "migration": str(result.migration) if result.migration else None,
            "rollback": str(result.rollback) if result.rollback else None,
            "up": result.up_statements,
            "down": result.down_statements,
            "warnings": [_finding_json(f) for f in result.warnings],
            "access_problems": result.access_problems,
            "data_warnings": result.data_warnings,
            "access": [_change_json(c) for c in result.access],
            "lossy": list(result.lossy),
            "rehearsal": _rehearsal_json(result.rehearsal),
        })
        return
    for warning in result.warnings:
        _err(f"warning: {lint_mod.render(warning)}")
    for problem in result.access_problems + result.data_warnings:
        _err(f"warning: {problem}")
    for change in result.access:
        _err(f"access: {change.render()}")
    if not result.changed:
        typer.echo("No difference: the migrations already reproduce schema.sql. Nothing written.\n"
                   "Edit schema.sql first (the whole desired schema), then run diff again.")
        return
    typer.echo(f"Wrote {_rel(result.migration, cfg.root)} ({_count(result.up_statements)})")
    typer.echo(f"Wrote {_rel(result.rollback, cfg.root)} ({_count(result.down_statements)}"
               + (", lossy)" if result.lossy else ")"))
    for loss in result.lossy:
        typer.echo(f"  lossy: {loss}")
    for line in _rehearsal_lines(result.rehearsal):
        typer.echo(line)


def _count(statements: list[str]) -> str:
    return f"{len(statements)} statement" + ("" if len(statements) == 1 else "s")


def _finding_json(f: lint_mod.Finding) -> dict[str, object]:
    return {"rule": f.rule, "level": f.level, "file": f.file, "line": f.line,
            "column": f.column, "message": f.message, "silence": f.silence}


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
    cfg = _config(project)
    result = commands.regenerate_rollback(cfg, migration,
                                          allow_data_dependent=allow_data_dependent,
                                          backend=backend, steps=_steps(quiet, as_json))
    if as_json:
        typer.echo(json.dumps({
            "ok": True, "rollback": str(result.rollback), "down": result.down_statements,
            "lossy": list(result.lossy), "rehearsal": _rehearsal_json(result.rehearsal),
        }, indent=2))
        return
    typer.echo(f"Wrote {_rel(result.rollback, cfg.root)} ({len(result.down_statements)} "
               f"statements{', lossy' if result.lossy else ''})")
    for loss in result.lossy:
        typer.echo(f"  lossy: {loss}")
    for line in _rehearsal_lines(result.rehearsal):
        typer.echo(line)


def _rel(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


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
    cfg = _config(project)
    result = commands.check(cfg, backend=backend, steps=_steps(quiet, as_json))
    if as_json:
        # "ok" is the verdict: drift is not ok (exit 1), as in verify's and lint's JSON.
        _json({"ok": result.in_sync, "in_sync": result.in_sync,
               "pending": result.pending, "unexplained": result.unexplained})
    elif result.in_sync:
        typer.echo("In sync: the migrations reproduce schema.sql.")
    elif result.unexplained:
        typer.echo("-- no statement is pending, but the catalog judge sees differences:")
        typer.echo("\n".join(f"    {d}" for d in result.unexplained))
        _err(f"{len(result.unexplained)} difference(s) schemadiff cannot generate: write "
             "them by hand in a new migration, or report a bug.")
    else:
        typer.echo("-- schema.sql differs from the migrations; pending SQL:")
        typer.echo("\n".join(result.pending))
        _err(f"{len(result.pending)} pending statement(s): run `nox -s diff -- NAME`.")
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
    """Prove every migration: up, rollback (== before), up again (== after), end == schema.sql.

    Example: schemadiff verify   (nox -s test runs it before the test suite)
    """
    cfg = _config(project)
    report = commands.verify(cfg, backend=backend, steps=_steps(quiet, as_json))
    if as_json:
        _json({
            "ok": report.ok,
            "migrations": [
                {"name": m.name, "up": m.up, "down": m.down, "reup": m.reup,
                 "seconds": round(m.seconds, 3), "problems": m.problems}
                for m in report.migrations
            ],
            "final_equal": report.final.equal if report.final else None,
            "final_differences": report.final.render() if report.final else None,
            "notes": report.notes,
        })
    else:
        width = max([len(m.name) for m in report.migrations] + [9])
        typer.echo(f"{'migration':<{width}}  {'up':<8} {'down':<12} {'re-up':<12} time")
        for m in report.migrations:
            typer.echo(f"{m.name:<{width}}  {m.up if m.up == 'ok' else 'FAIL':<8} "
                       f"{m.down:<12} {m.reup:<12} {m.seconds:.2f} s")
        for m in report.migrations:
            for problem in m.problems:
                _err(f"error: {problem}")
        if report.final is not None:
            if report.final.equal:
                typer.echo("Final state equals schema.sql.")
            else:
                _err("error: the migrations do not reproduce schema.sql:\n"
                     + report.final.render())
        passed = sum(1 for m in report.migrations if m.ok)
        typer.echo(f"{passed} of {len(report.migrations)} migration(s) verified"
                   + ("" if report.ok else "; FAILED"))
    if not report.ok:
        raise typer.Exit(1)


@app.command("lint")
@handled
def lint_command(
    files: Annotated[list[Path] | None, typer.Argument(
        help="SQL files to lint (default: every migration).", show_default=False)] = None,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Lint migrations: lock and rewrite hazards (squawk) and schema rules; exit 1 on errors.

    Example: schemadiff lint   (every migration; or name files: schemadiff lint schema.sql)

    Rules and levels: \\[tool.schemadiff.lint] in pyproject.toml (off | info | warn | error).
    Silence one statement with a comment on the line before it:
    -- schemadiff-lint: ignore RULE -- REASON
    """
    cfg = _config(project)
    findings = lint_run.lint_files(cfg, files, backend=backend, steps=_steps(quiet, as_json))
    errors = sum(1 for f in findings if f.level == "error")
    if as_json:
        _json({"ok": not errors, "findings": [_finding_json(f) for f in findings]})
    else:
        for finding in findings:
            typer.echo(lint_mod.render(finding))
        counts = {level: sum(1 for f in findings if f.level == level)
                  for level in ("error", "warn", "info")}
        _err(f"{counts['error']} error(s), {counts['warn']} warning(s), {counts['info']} info.")
    if errors:
        raise typer.Exit(1)


@app.command("access")
@handled
def access_command(
    changes: Annotated[bool, typer.Option(
        "--changes", help="Show what differs between the migrations and schema.sql instead.")
    ] = False,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Who can read and write what: each API role, object and command, as schema.sql has it.

    Example: schemadiff access   (or: schemadiff access --changes, to review pending access)

    Roles: api_roles (default anon, authenticated); objects: tables, views, functions in
    exposed_schemas (default public, graphql_public), and storage.objects per bucket.
    Each cell: all (every row), policy (the rows its policies allow), - (none); functions:
    owner (SECURITY DEFINER) or caller.
    """
    cfg = _config(project)
    result = commands.access(cfg, changes=changes, backend=backend,
                             steps=_steps(quiet, as_json))
    model = result.model
    if as_json:
        payload: dict = {"ok": True, "roles": list(model.roles),
                         "exposed_schemas": list(model.schemas),
                         "missing_roles": list(model.missing_roles), "notes": model.notes}
        if result.changes is None:
            payload["access"] = [access_mod.as_json(e) for e in model.entries]
        else:
            payload["changes"] = [_change_json(c) for c in result.changes]
        _json(payload)
        return
    if result.changes is None:
        typer.echo("\n".join(access_mod.table_lines(model)))
    elif not result.changes:
        typer.echo("No access changes between the migrations and schema.sql.")
    else:
        typer.echo("\n".join(c.render() for c in result.changes))


def _change_json(change: Change) -> dict:
    return {"object": change.object, "kind": change.kind, "role": change.role,
            "command": change.command, "direction": change.direction,
            "refused_unless_acknowledged": change.refusable,
            "acknowledged": change.acknowledged, "text": change.render(),
            "before": change.before.level, "after": change.after.level}


@app.command("pull")
@handled
def pull_command(
    db_url: Annotated[str | None, typer.Option(
        "--db-url", help="Read a live database instead of the migrations (also writes a "
        "baseline migration).", show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an existing schema file.")] = False,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write schema.sql from the migrations, or from a live database (--db-url).

    Example: schemadiff pull   (or: schemadiff pull --db-url "$PROD_DB_URL")

    The file is laid out per table and proven before it is written: applied to an empty
    project, it gives a database both judges find equal to the source. From a live
    database, a baseline migration then brings the migrations to it, so `check` passes.
    """
    cfg = _config(project)
    result = commands.pull(cfg, db_url=db_url, force=force, backend=backend,
                           steps=_steps(quiet, as_json))
    baseline = result.baseline
    if as_json:
        _json({
            "ok": True,
            "schema_file": str(result.schema_file),
            "tables": result.tables,
            "statements": result.statements,
            "reference_tables": result.reference_tables,
            "baseline": str(baseline.migration) if baseline and baseline.migration else None,
        })
        return
    typer.echo(f"Wrote {_rel(result.schema_file, cfg.root)} ({len(result.tables)} table(s), "
               f"{result.statements} statements)")
    if baseline is not None and baseline.migration is not None:
        typer.echo(f"Wrote {_rel(baseline.migration, cfg.root)} (baseline, "
                   f"{_count(baseline.up_statements)})")
        version = baseline.migration.name.split("_", 1)[0]
        typer.echo("The live database already has it: record it as applied there, e.g. "
                   f"`supabase migration repair --status applied {version}`.")


@app.command("drift")
@handled
def drift_command(
    db_url: Annotated[str, typer.Option(
        "--db-url", help="The live database: postgresql://USER:PASSWORD@HOST:PORT/DB.",
        show_default=False)],
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Exit 0 when a live database matches the migrations; exit 1 printing the difference.

    Example: schemadiff drift --db-url "$PROD_DB_URL"

    Only the managed schemas are compared (and the reference rows schema.sql declares);
    the live database is only read.
    """
    cfg = _config(project)
    result = commands.drift(cfg, db_url, backend=backend, steps=_steps(quiet, as_json))
    if as_json:
        _json({"ok": result.in_sync, "in_sync": result.in_sync,
               "differences": result.differences})
    elif result.in_sync:
        typer.echo("No drift: the live database matches the migrations.")
    else:
        typer.echo("-- The live database differs from the migrations; this SQL takes the "
                   "migrations' state to it:")
        typer.echo("\n".join(result.differences))
        _err(f"{len(result.differences)} statement(s) of drift: a change made outside the "
             "migrations. Put it in schema.sql and run `nox -s diff -- NAME`, or undo it.")
    if not result.in_sync:
        raise typer.Exit(1)


@app.command("erd")
@handled
def erd_command(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the diagram to this file (default: stdout).",
        show_default=False)] = None,
    all_columns: Annotated[bool, typer.Option(
        "--all-columns", help="Every column, not only key columns.")] = False,
    project: ProjectOpt = None,
    backend: BackendOpt = "auto",
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Print a Mermaid ER diagram of schema.sql: tables, key columns, foreign keys.

    Example: schemadiff erd -o docs/schema.mmd   (GitHub renders a ```mermaid block)
    """
    cfg = _config(project)
    text = commands.erd(cfg, all_columns=all_columns, backend=backend,
                        steps=_steps(quiet, as_json))
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if as_json:
        _json({"ok": True, "mermaid": text, "output": str(output) if output else None})
    elif output is not None:
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)


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
    cfg = _config(project)
    _steps(quiet, as_json)  # no progress, but --json's notes start empty
    recorded = commands.hash_migrations(cfg)
    if as_json:
        _json({"ok": True, "recorded": recorded})
    else:
        typer.echo(f"Recorded {len(recorded)} checksum(s) in "
                   f"{_rel(cfg.migrations_dir.parent / 'schemadiff.sum', cfg.root)}.")


@cache_app.command("clear")
@handled
def cache_clear_command() -> None:
    """Delete the cached scratch clusters (they are rebuilt on the next run).

    Example: schemadiff cache clear
    """
    removed = clear_cache()
    typer.echo(f"Removed {removed} cached cluster(s).")
    left = reap_configured()
    if left:
        typer.echo(f"Removed {left} database(s) and role(s) that killed runs left on "
                   f"{ENV_VAR}'s server.")


@app.command("version")
def version_command() -> None:
    """Print the schemadiff version.

    Example: schemadiff version
    """
    typer.echo(__version__)


def _terminate(signum, frame):  # noqa: ARG001
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops servers and removes temp dirs.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app()


if __name__ == "__main__":
    main()
