"""A database URL's password never appears in output, logs or errors.

The session's scratch server gets a role that must log in with a password
(scram-sha-256 for that role only, through a unix socket), and the CLI is pointed at
it with SCHEMADIFF_DATABASE_URL, as a user would point it at `supabase start`.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest

from cliproject import TABLE, make_project, run
from schemadiff.scratch.url import redact

ROLE = "sd_secret_owner"
PASSWORD = "p@ss/w:rd-Zq8xS3cretT0ken"
HBA_LINE = f"local all {ROLE} scram-sha-256\n"
# Every form the password could leak in: as typed, URL-encoded, and its distinctive core.
LEAKS = [PASSWORD, quote(PASSWORD, safe=""), "Zq8xS3cretT0ken"]


@pytest.fixture(scope="module")
def guarded(scratch):
    """The session server with ROLE, which must authenticate with PASSWORD."""
    server, _ = scratch
    hba = Path(server.host) / "data" / "pg_hba.conf"
    if not server.backend.caches_seeds or not hba.is_file():
        pytest.skip("needs a local or embedded scratch server (its pg_hba.conf)")
    original = hba.read_text()
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE ROLE {ROLE} SUPERUSER LOGIN PASSWORD %s", (PASSWORD,))
        hba.write_text(HBA_LINE + original)  # first match wins: this role only
        with conn.cursor() as cur:
            cur.execute("SELECT pg_reload_conf()")
        yield server
    finally:
        hba.write_text(original)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_reload_conf()")
            with contextlib.suppress(psycopg2.Error):
                cur.execute(f"DROP ROLE IF EXISTS {ROLE}")
        conn.close()


def url(server, password: str = PASSWORD) -> str:
    return (f"postgresql://{ROLE}:{quote(password, safe='')}@/{server.admin_db}"
            f"?host={quote(server.host, safe='')}&port={server.port}")


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, f"the password leaked: {text}"


def test_the_role_really_needs_its_password(guarded):
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(host=guarded.host, port=guarded.port, user=ROLE,
                         password="wrong", dbname=guarded.admin_db).close()


def test_success_never_shows_the_password(guarded, tmp_path):
    root = make_project(tmp_path)
    env = {"SCHEMADIFF_DATABASE_URL": url(guarded)}
    diffed = run(root, "diff", "init", "--version", "20250101000000", "--backend", "url",
                 env=env)
    assert diffed.returncode == 0, diffed.stderr
    checked = run(root, "check", "--backend", "url", "--json", env=env)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["in_sync"] is True
    verified = run(root, "verify", "--backend", "url", env=env)
    assert verified.returncode == 0, verified.stderr
    linted = run(root, "lint", "--backend", "url", env=env)
    assert linted.returncode == 0, linted.stderr
    written = "".join(p.read_text() for p in (root / "supabase").rglob("*") if p.is_file())
    assert_no_secret(diffed.stdout, diffed.stderr, checked.stdout, checked.stderr,
                     verified.stdout, verified.stderr, linted.stdout, linted.stderr, written)


def test_wrong_password_is_refused_without_showing_either_password(guarded, tmp_path):
    root = make_project(tmp_path)
    wrong = "Wr0ng-" + PASSWORD
    done = run(root, "check", "--backend", "url",
               env={"SCHEMADIFF_DATABASE_URL": url(guarded, wrong)})
    assert done.returncode == 4, done.stderr
    assert "password authentication failed" in done.stderr
    assert f"postgresql://{ROLE}:***@/" in done.stderr
    assert_no_secret(done.stdout, done.stderr)
    assert wrong not in done.stderr and quote(wrong, safe="") not in done.stderr


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_failures_never_show_the_password(guarded, tmp_path, as_json):
    root = make_project(tmp_path, TABLE + "create index on public.nowhere (id);\n")
    done = run(root, "diff", "x", "--backend", "url", *(["--json"] if as_json else []),
               env={"SCHEMADIFF_DATABASE_URL": url(guarded)})
    assert done.returncode == 5, done.stderr
    assert "schema.sql:2:" in done.stderr
    assert_no_secret(done.stdout, done.stderr)


def test_a_url_that_is_not_postgres_is_refused_redacted(tmp_path):
    root = make_project(tmp_path)
    done = run(root, "check", "--backend", "url",
               env={"SCHEMADIFF_DATABASE_URL": f"mysql://me:{quote(PASSWORD, safe='')}@db/x"})
    assert done.returncode == 4
    assert "mysql://me:***@db/x" in done.stderr
    assert_no_secret(done.stdout, done.stderr)


@pytest.mark.parametrize(("given", "shown"), [
    ("postgresql://u:pw@db.example:5432/app", "postgresql://u:***@db.example:5432/app"),
    ("postgresql://u:pw@/app?host=/run/pg&port=5433", "postgresql://u:***@/app?host=/run/pg&port=5433"),
    ("postgresql://u@/app?host=/run/pg&password=pw", "postgresql://u@/app?host=/run/pg&password=***"),
    ("postgresql://u:p%40w@db/app", "postgresql://u:***@db/app"),
    ("postgresql://u@db/app", "postgresql://u@db/app"),
])
def test_redact_hides_the_password_in_every_form(given, shown):
    assert redact(given) == shown
