"""The schemadiff command line: parse, call one command, render, map errors to exit codes.

This module holds the app, its shared options, progress and error handling; the
commands live in `migration_commands` (diff, rollback, check, verify, hash) and
`schema_commands` (lint, access, pull, drift, erd).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from .. import config as config_mod
from ..errors import (
    EXIT_NO_POSTGRES,
    DataDependentChangeError,
    DestructiveChangeError,
    SchemadiffError,
)
from ..progress import Steps
from ..review import lint as lint_mod
from ..review.widening import AccessWideningError, Change
from ..scratch import NAMES as BACKENDS
from ..scratch.cluster import clear_cache
from ..scratch.server import lost_connection
from ..scratch.url import ENV_VAR, reap_configured

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


def err(message: str) -> None:
    typer.echo(message, err=True)


# What this command was told about its scratch server (which backend and why, what was
# cleaned up): progress lines, and "scratch_notes" in --json.
NOTES: list[str] = []


def emit_json(payload: dict) -> None:
    typer.echo(json.dumps({**payload, "scratch_notes": list(NOTES)}, indent=2))


def make_steps(quiet: bool, as_json: bool) -> Steps:
    NOTES.clear()
    tty = sys.stderr.isatty()

    def sink(label: str, seconds: float | None) -> None:
        if seconds is not None and seconds < 0:
            NOTES.append(label)
        if quiet:
            return
        if seconds is None:
            if tty:
                typer.echo(f"  {label}…", err=True, nl=False)
        elif seconds < 0:
            if tty:
                typer.echo("", err=True)
            err(f"  {label}")
        elif tty:
            typer.echo(f" {seconds:.2f} s", err=True)
        else:
            err(f"  {label}… {seconds:.2f} s")

    return Steps(sink=sink)


def load_config(project: Path | None) -> config_mod.Config:
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
                emit_json(payload)
            err(f"error: {exc.message}")
            if exc.detail:
                err(exc.detail)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err("\ninterrupted: the scratch server was stopped and nothing was written.")
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
                emit_json({"ok": False, "exit_code": EXIT_NO_POSTGRES,
                                       "error": message, "detail": None})
            err(f"error: {message}")
            err("  Was it killed, or out of memory or disk? Run the command again.")
            raise typer.Exit(EXIT_NO_POSTGRES) from None

    return wrapper


def finding_json(f: lint_mod.Finding) -> dict[str, object]:
    return {"rule": f.rule, "level": f.level, "file": f.file, "line": f.line,
            "column": f.column, "message": f.message, "silence": f.silence}


def change_json(change: Change) -> dict:
    return {"object": change.object, "kind": change.kind, "role": change.role,
            "command": change.command, "direction": change.direction,
            "refused_unless_acknowledged": change.refusable,
            "acknowledged": change.acknowledged, "text": change.render(),
            "before": change.before.level, "after": change.after.level}


def relative(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def count(statements: list[str]) -> str:
    return f"{len(statements)} statement" + ("" if len(statements) == 1 else "s")


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


def _terminate(signum, frame):  # noqa: ARG001
    # SIGTERM unwinds like Ctrl-C, so every `finally` stops servers and removes temp dirs.
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # tempfile's first gettempdir() writes and deletes a probe file in the temp dir: a run
    # killed in between would leave it there. A TMPDIR that is a directory is taken as is.
    if (temp := os.environ.get("TMPDIR")) and os.path.isdir(temp):
        tempfile.tempdir = temp
    app()


# The commands register themselves on `app` when imported.
from . import migration_commands, schema_commands  # noqa: E402, F401


@app.command("version")
def version_command() -> None:
    """Print the schemadiff version.

    Example: schemadiff version
    """
    typer.echo(__version__)
