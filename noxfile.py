"""Sessions: diff (the main job), test, lint, bench. `nox --list` shows them."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import nox

# uv (unlike pip) does not precompile installed packages; without .pyc files every run
# compiles SQLAlchemy, migra and friends again (~0.5 s a command).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

# uv builds these venvs in seconds where virtualenv+pip took ~19 s; fall back without it.
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["test", "lint"]
# Keep each session's venv between runs: `nox -s diff -- NAME` is the everyday command,
# and rebuilding its venv cost 4-8 s where the tool takes 0.6 s. `install_project` below
# reinstalls only when pyproject.toml changes; the install is editable, so code edits
# need none. `nox --reuse-venv=no` (or deleting .nox/) rebuilds from scratch.
nox.options.reuse_venv = "yes"

PYTHON = "3.11"
STAMP = ".schemadiff-installed"


def install_project(session: nox.Session, extras: str = "") -> None:
    """`pip install -e .[extras]`, unless this venv holds that install of this very
    pyproject.toml already (a stamp of its hash, kept inside the venv)."""
    target = f".[{extras}]" if extras else "."
    wanted = hashlib.sha256(Path("pyproject.toml").read_bytes() + target.encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / STAMP
    if stamp.is_file() and stamp.read_text() == wanted:
        return
    session.install("-e", target)
    stamp.write_text(wanted)


@nox.session(python=PYTHON)
def diff(session: nox.Session) -> None:
    """Write a proven migration + rollback: nox -s diff -- NAME [--allow-destructive]."""
    if not session.posargs:
        session.error("Name the migration: nox -s diff -- add_items_table")
    install_project(session)
    session.run("schemadiff", "diff", *session.posargs)


@nox.session(python=PYTHON)
def check(session: nox.Session) -> None:
    """Exit 0 when the migrations reproduce schema.sql, 1 with the pending SQL."""
    install_project(session)
    session.run("schemadiff", "check", *session.posargs)


def pytest_workers(posargs: list[str]) -> list[str]:
    """pytest-xdist options, unless the arguments choose (`-n 0` runs in one process).

    The tests spend much of their time waiting on Postgres and on child processes, so a
    worker per core (2 to 4) shortens the run; each worker starts its own scratch server.
    """
    if any(re.match(r"-n($|\d|auto|logical)|--numprocesses|--dist", arg) for arg in posargs):
        return []
    return ["-n", str(min(max(2, os.cpu_count() or 1), 4)), "--dist", "worksteal"]


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    """Verify every migration and rollback, then run the test suite in parallel
    (pytest args pass through; `-n 0` runs it in one process)."""
    install_project(session, "test")
    session.run("schemadiff", "verify")
    session.run("pytest", *pytest_workers(session.posargs), *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy on the tool, and schemadiff lint on the migrations."""
    install_project(session, "lint")
    session.run("ruff", "check", "tools", "tests", "noxfile.py")
    session.run("mypy", "tools/schemadiff")
    session.run("schemadiff", "lint")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Time diff/check per backend and at scale (medians; reports, never asserts)."""
    install_project(session, "test")
    session.install("nox[uv]")  # the nox section times `nox -s check` itself
    session.run("python", "bench/run.py", *session.posargs)
