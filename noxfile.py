"""Sessions: diff (the main job), test, lint, bench. `nox --list` shows them."""

from __future__ import annotations

import os

import nox

# uv (unlike pip) does not precompile installed packages; without .pyc files every run
# compiles SQLAlchemy, migra and friends again (~0.5 s a command).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

# uv builds these venvs in seconds where virtualenv+pip took ~19 s; fall back without it.
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["test", "lint"]

PYTHON = "3.11"


@nox.session(python=PYTHON)
def diff(session: nox.Session) -> None:
    """Write a proven migration + rollback: nox -s diff -- NAME [--allow-destructive]."""
    if not session.posargs:
        session.error("Name the migration: nox -s diff -- add_items_table")
    session.install("-e", ".")
    session.run("schemadiff", "diff", *session.posargs)


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Exit 0 when the migrations reproduce schema.sql, 1 with the pending SQL."""
    session.install("-e", ".")
    session.run("schemadiff", "check", *session.posargs)


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    """Verify every migration and rollback, then run the test suite (pytest args pass through)."""
    session.install("-e", ".[test]")
    session.run("schemadiff", "verify")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy on the tool, and schemadiff lint on the migrations."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", "tools", "tests", "noxfile.py")
    session.run("mypy", "tools/schemadiff")
    session.run("schemadiff", "lint")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time diff/check per backend and at scale (medians; reports, never asserts)."""
    session.install("-e", ".[test]")
    session.run("python", "bench/run.py", *session.posargs)
