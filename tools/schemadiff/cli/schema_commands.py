"""The commands that read a schema: lint, access, pull, drift, erd."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import commands
from ..review import access as access_mod
from ..review import lint as lint_mod
from ..review.lint import run as lint_run
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
    cfg = load_config(project)
    findings = lint_run.lint_files(cfg, files, backend=backend, steps=make_steps(quiet, as_json))
    errors = sum(1 for f in findings if f.level == "error")
    if as_json:
        emit_json({"ok": not errors, "findings": [finding_json(f) for f in findings]})
    else:
        for finding in findings:
            typer.echo(lint_mod.render(finding))
        counts = {level: sum(1 for f in findings if f.level == level)
                  for level in ("error", "warn", "info")}
        err(f"{counts['error']} error(s), {counts['warn']} warning(s), {counts['info']} info.")
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
    cfg = load_config(project)
    result = commands.access(cfg, changes=changes, backend=backend,
                             steps=make_steps(quiet, as_json))
    model = result.model
    if as_json:
        payload: dict = {"ok": True, "roles": list(model.roles),
                         "exposed_schemas": list(model.schemas),
                         "missing_roles": list(model.missing_roles), "notes": model.notes}
        if result.changes is None:
            payload["access"] = [access_mod.as_json(e) for e in model.entries]
        else:
            payload["changes"] = [change_json(c) for c in result.changes]
        emit_json(payload)
        return
    if result.changes is None:
        typer.echo("\n".join(access_mod.table_lines(model)))
    elif not result.changes:
        typer.echo("No access changes between the migrations and schema.sql.")
    else:
        typer.echo("\n".join(c.render() for c in result.changes))


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
    cfg = load_config(project)
    result = commands.pull(cfg, db_url=db_url, force=force, backend=backend,
                           steps=make_steps(quiet, as_json))
    baseline = result.baseline
    if as_json:
        emit_json({
            "ok": True,
            "schema_file": str(result.schema_file),
            "tables": result.tables,
            "statements": result.statements,
            "reference_tables": result.reference_tables,
            "baseline": str(baseline.migration) if baseline and baseline.migration else None,
        })
        return
    typer.echo(f"Wrote {relative(result.schema_file, cfg.root)} ({len(result.tables)} table(s), "
               f"{result.statements} statements)")
    if baseline is not None and baseline.migration is not None:
        typer.echo(f"Wrote {relative(baseline.migration, cfg.root)} (baseline, "
                   f"{count(baseline.up_statements)})")
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
    cfg = load_config(project)
    result = commands.drift(cfg, db_url, backend=backend, steps=make_steps(quiet, as_json))
    if as_json:
        emit_json({"ok": result.in_sync, "in_sync": result.in_sync,
               "differences": result.differences})
    elif result.in_sync:
        typer.echo("No drift: the live database matches the migrations.")
    else:
        typer.echo("-- The live database differs from the migrations; this SQL takes the "
                   "migrations' state to it:")
        typer.echo("\n".join(result.differences))
        err(f"{len(result.differences)} statement(s) of drift: a change made outside the "
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
    cfg = load_config(project)
    text = commands.erd(cfg, all_columns=all_columns, backend=backend,
                        steps=make_steps(quiet, as_json))
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if as_json:
        emit_json({"ok": True, "mermaid": text, "output": str(output) if output else None})
    elif output is not None:
        typer.echo(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)
