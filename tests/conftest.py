"""Shared fixtures: one scratch server per test session, a fresh database per test.

Set SCHEMADIFF_REQUIRE_POSTGRES=1 (CI does) to make a missing server fail the run
instead of skipping the tests that need it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cliproject import url_of
from schemadiff.errors import NoPostgresError
from schemadiff.scratch import Databases, Server, scratch_server

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def scratch():
    """(server, databases) for the whole session, on SCHEMADIFF_TEST_BACKEND (default auto)."""
    backend = os.environ.get("SCHEMADIFF_TEST_BACKEND", "auto")
    try:
        manager = scratch_server(backend)
        server, databases = manager.__enter__()
    except NoPostgresError as exc:
        if os.environ.get("SCHEMADIFF_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"no scratch Postgres: {exc}", pytrace=False)
        pytest.skip(f"no scratch Postgres: {exc}")
    try:
        yield server, databases
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture
def server(scratch) -> Server:
    return scratch[0]


@pytest.fixture
def databases(scratch) -> Databases:
    return scratch[1]


@pytest.fixture
def fresh_db(scratch):
    """Factory: a new shim-loaded database name, dropped after the test."""
    _, dbs = scratch
    made: list[str] = []

    def make(label: str = "t") -> str:
        name = dbs.create(label)
        made.append(name)
        return name

    yield make
    for name in made:
        dbs.drop(name)


@pytest.fixture
def cli(server, monkeypatch):
    """Factory: cli(project_dir) -> invoke(*args), the CLI run in-process on the session
    server through the `url` backend (no server start per command)."""
    from typer.testing import CliRunner

    from schemadiff.cli import app

    monkeypatch.setenv("SCHEMADIFF_DATABASE_URL", url_of(server))

    def bind(project: Path):
        def invoke(*args: str):
            return CliRunner().invoke(
                app, [*args, "--project", str(project), "--backend", "url", "-q"]
            )

        return invoke

    return bind


@pytest.fixture
def private_temp():
    """A run's own TMPDIR (see cliproject.private_tmp), removed even when the test fails."""
    import shutil

    from cliproject import private_tmp

    path = private_tmp()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A minimal schemadiff project: pyproject.toml and a one-table schema.sql."""
    from cliproject import PYPROJECT, TABLE

    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "schema.sql").write_text(TABLE)
    return tmp_path
