"""Each scratch backend that can run here starts, serves, and leaves nothing behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from schemadiff.errors import NoPostgresError
from schemadiff.scratch import scratch_server, start
from schemadiff.scratch.binaries import embedded_bindir, extensions_of, local_bindirs
from schemadiff.scratch.docker import engine

BACKENDS = []
if local_bindirs(15):
    BACKENDS.append("local")
if embedded_bindir() is not None:
    BACKENDS.append("embedded")


def _postgres_pids_using(path: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if path in cmdline:
                pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_serves_the_shim_and_cleans_up(backend):
    with scratch_server(backend) as (server, databases):
        home = server.host
        assert Path(home).is_dir()
        assert oct(Path(home).stat().st_mode & 0o777) == "0o700"
        db = databases.create("probe")
        with server.connect(db) as conn, conn.cursor() as cur:
            cur.execute("select rolbypassrls from pg_roles where rolname = 'service_role'")
            assert cur.fetchone() == (True,)
            cur.execute("select count(*) from auth.users")
            assert cur.fetchone() == (0,)
            cur.execute("show fsync")
            assert cur.fetchone() == ("off",)
        conn.close()
        assert _postgres_pids_using(home)
    assert not Path(home).exists()
    assert not _postgres_pids_using(home)


def test_backend_stops_when_the_body_raises():
    with pytest.raises(RuntimeError), scratch_server(BACKENDS[0]) as (server, _):
        home = server.host
        raise RuntimeError("boom")
    assert not Path(home).exists()
    assert not _postgres_pids_using(home)


def test_url_backend_only_drops_its_own_databases(server, databases, monkeypatch):
    outsider = databases.create("outsider")
    url = f"postgresql://{server.user}@/{server.admin_db}?host={server.host}&port={server.port}"
    monkeypatch.setenv("SCHEMADIFF_DATABASE_URL", url)
    with scratch_server("url") as (remote, remote_dbs):
        mine = remote_dbs.create("mine")
        assert mine.startswith(remote.db_prefix)
        with pytest.raises(ValueError):
            remote_dbs.drop(outsider)
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("select datname from pg_database")
        names = {row[0] for row in cur.fetchall()}
    conn.close()
    assert outsider in names
    assert not any(n.startswith(remote.db_prefix) for n in names)


def test_url_runs_at_once_load_the_shim_without_colliding(server, monkeypatch):
    # Parallel CI jobs sharing one server: each run loads the shim into its own
    # databases, and the roles it touches are shared by all of them.
    url = f"postgresql://{server.user}@/{server.admin_db}?host={server.host}&port={server.port}"
    monkeypatch.setenv("SCHEMADIFF_DATABASE_URL", url)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with scratch_server("url") as (_, databases):
                for label in ("a", "b", "c"):
                    databases.shimmed(label)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []


def test_docker_without_an_engine_fails_with_the_reason(monkeypatch):
    try:
        engine()
    except NoPostgresError:
        pass
    else:
        pytest.skip("a Docker engine answers here")
    with pytest.raises(NoPostgresError) as caught:
        start("docker")
    assert "Docker engine" in str(caught.value)


def test_auto_says_what_it_tried_when_nothing_starts(monkeypatch, tmp_path):
    # Nothing on PATH, no embedded wheel visible, no Docker socket.
    monkeypatch.delenv("SCHEMADIFF_DATABASE_URL", raising=False)
    monkeypatch.setattr("schemadiff.scratch.backends.local_bindirs", lambda major: [])
    monkeypatch.setattr("schemadiff.scratch.backends.embedded_bindir", lambda: None)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    with pytest.raises(NoPostgresError) as caught:
        start("auto")
    message = str(caught.value)
    for name in ("local", "embedded", "docker"):
        assert f"  {name}:" in message
    assert "--backend url" in message


@pytest.mark.skipif(not local_bindirs(15) or embedded_bindir() is None
                    or "vector" in extensions_of(local_bindirs(15)[0])
                    or "vector" not in extensions_of(embedded_bindir() or Path()),
                    reason="needs a local server without vector and the embedded one with it")
def test_auto_passes_over_a_local_server_lacking_an_extension_the_project_creates(tmp_path):
    """Real apps create `vector` (no SQL stand-in is possible: its type needs C): auto runs
    them on the embedded server, which has it, and says why."""
    from cliproject import make_project, run

    schema = ("create extension if not exists vector with schema extensions;\n"
              "create table public.chunks (id bigint primary key, "
              "embedding extensions.vector(3));\n")
    root = make_project(tmp_path, schema, migrations={"20250101000000_init.sql": schema})
    done = run(root, "check")
    assert done.returncode == 0, done.stderr
    assert "passed over local: it lacks extension vector, which embedded has" in done.stderr
    assert "the embedded backend" in done.stderr
