"""The cluster cache: built once, reused, rebuilt when incomplete or broken, safe when shared.

Each test gets its own cache directory; the golden cluster is built once per module and
copied in (one file), so most tests start servers in ~0.2 s instead of running initdb.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from pgquery import query
from schemadiff.errors import NoPostgresError
from schemadiff.scratch import binaries, cache, process
from schemadiff.scratch import golden as goldens
from schemadiff.scratch.backends import EMBEDDED, LOCAL
from schemadiff.scratch.cluster import Seed, start_cluster
from schemadiff.scratch.server import Backend

REPO = Path(__file__).resolve().parent.parent


def _bindir() -> tuple[Backend, Path]:
    local = binaries.local_bindirs(15)
    if local:
        return LOCAL, local[0]
    embedded = binaries.embedded_bindir()
    if embedded:
        return EMBEDDED, embedded
    if os.environ.get("SCHEMADIFF_REQUIRE_POSTGRES") == "1":
        pytest.fail("no Postgres server binaries for the cluster cache tests", pytrace=False)
    pytest.skip("no Postgres server binaries")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Yields (backend, bindir, cache dir holding a freshly built golden cluster, its name)."""
    backend, bindir = _bindir()
    root = tmp_path_factory.mktemp("golden-cache")
    old = os.environ.get("SCHEMADIFF_CACHE_DIR")
    os.environ["SCHEMADIFF_CACHE_DIR"] = str(root)
    try:
        start_cluster(backend, bindir).stop()
        runnable = process.with_extensions(process.ensure_runnable(bindir, process.run_as()))
        name = goldens.golden_name(runnable)
    finally:
        if old is None:
            os.environ.pop("SCHEMADIFF_CACHE_DIR", None)
        else:
            os.environ["SCHEMADIFF_CACHE_DIR"] = old
    yield backend, bindir, root, name
    # A module's directory outlives pytest's per-test cleanup (tmp_path_retention_policy).
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cached(built, tmp_path, monkeypatch):
    """A private cache dir for this test, holding a copy of the module's golden cluster."""
    backend, bindir, root, name = built
    mine = tmp_path / "cache"
    (mine / "clusters").mkdir(parents=True)
    shutil.copytree(root / "clusters" / name, mine / "clusters" / name)
    monkeypatch.setenv("SCHEMADIFF_CACHE_DIR", str(mine))
    return backend, bindir, name


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMADIFF_CACHE_DIR", str(tmp_path / "cache"))
    return _bindir()


def _serves_shim(server) -> bool:
    rows = query(server, "SELECT to_regclass('auth.users') IS NOT NULL, "
                          "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role')",
                  server.base_db)
    return rows == [(True, True)]


def _start(backend, bindir, seed=None):
    notes: list[str] = []
    server = start_cluster(backend, bindir, notes.append, seed)
    return server, notes


def test_first_run_builds_the_golden_cluster_later_runs_reuse_it(empty_cache):
    backend, bindir = empty_cache
    server, notes = _start(backend, bindir)
    try:
        assert _serves_shim(server)
    finally:
        server.stop()
    assert any("building the cached scratch cluster" in n for n in notes)
    (name,) = cache.entries()
    first = cache.manifest(name)
    assert first is not None and first["kind"] == "golden"

    server, notes = _start(backend, bindir)
    try:
        assert _serves_shim(server)
    finally:
        server.stop()
    assert notes == []
    assert cache.manifest(name)["id"] == first["id"]


def test_stop_removes_the_run_directory(cached):
    backend, bindir, _ = cached
    server, _ = _start(backend, bindir)
    work = Path(server.host)
    assert (work / "data" / "PG_VERSION").is_file()
    server.stop()
    assert not work.exists()


def test_truncated_archive_is_not_an_entry_and_is_rebuilt(cached):
    backend, bindir, name = cached
    before = cache.manifest(name)["id"]
    archive = cache.clusters_dir() / name / cache.ARCHIVE
    with open(archive, "r+b") as handle:
        handle.truncate(archive.stat().st_size // 2)
    assert cache.manifest(name) is None

    server, notes = _start(backend, bindir)
    try:
        assert _serves_shim(server)
    finally:
        server.stop()
    assert any("building" in n for n in notes)
    assert cache.manifest(name)["id"] != before


def test_missing_manifest_is_not_an_entry(cached):
    backend, bindir, name = cached
    (cache.clusters_dir() / name / cache.MANIFEST).unlink()
    assert cache.manifest(name) is None
    server, notes = _start(backend, bindir)
    server.stop()
    assert any("building" in n for n in notes)
    assert cache.manifest(name) is not None


def _break_control_file(name: str) -> None:
    """Corrupt global/pg_control inside the archive, keeping every size (so it looks whole)."""
    entry = cache.clusters_dir() / name
    archive = entry / cache.ARCHIVE
    rebuilt = entry / "rebuilt.tar"
    with tarfile.open(archive) as source, tarfile.open(rebuilt, "w", format=source.format) as out:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == "./global/pg_control":
                data = io.BytesIO(b"\0" * member.size)
            out.addfile(member, data)
    os.replace(rebuilt, archive)
    info = json.loads((entry / cache.MANIFEST).read_text())
    info["bytes"] = archive.stat().st_size
    (entry / cache.MANIFEST).write_text(json.dumps(info))


def test_entry_that_will_not_start_is_rebuilt_once(cached):
    backend, bindir, name = cached
    _break_control_file(name)
    broken = cache.manifest(name)
    assert broken is not None  # it passes the cheap checks: only starting it tells

    server, notes = _start(backend, bindir)
    try:
        assert _serves_shim(server)
    finally:
        server.stop()
    assert any("would not start; rebuilding" in n for n in notes)
    assert cache.manifest(name)["id"] != broken["id"]


def test_a_server_that_fails_after_a_rebuild_reports_the_error(cached, monkeypatch):
    backend, bindir, name = cached
    builds = []
    real_build = goldens.build_golden

    def build_broken(bindir_, name_, account, *platform):
        builds.append(name_)
        real_build(bindir_, name_, account, *platform)
        _break_control_file(name_)

    monkeypatch.setattr(goldens, "build_golden", build_broken)
    _break_control_file(name)
    with pytest.raises(NoPostgresError, match="exited with code"):
        start_cluster(backend, bindir)
    assert builds == [name]  # rebuilt once, not in a loop


def test_stale_entries_are_removed_when_a_new_golden_is_built(empty_cache):
    backend, bindir = empty_cache
    root = cache.clusters_dir()
    old_format = root / "0123456789abcdef0123"
    old_format.mkdir(parents=True)
    (old_format / "PG_VERSION").write_text("15\n")
    unrelated = root / "fedcba9876543210fedc"
    unrelated.mkdir()
    server, _ = _start(backend, bindir)
    server.stop()
    assert not old_format.exists()
    assert unrelated.exists()  # not ours to judge: no manifest, no data directory


def test_concurrent_first_runs_build_once_and_all_start(empty_cache, tmp_path):
    backend, bindir = empty_cache
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from schemadiff.scratch.backends import REGISTRY\n"
        "from schemadiff.scratch.cluster import start_cluster\n"
        "notes = []\n"
        f"server = start_cluster(REGISTRY[{backend.name!r}], Path({str(bindir)!r}), notes.append)\n"
        "conn = server.connect(server.base_db)\n"
        "cur = conn.cursor(); cur.execute(\"SELECT to_regclass('auth.users') IS NOT NULL\")\n"
        "ok = cur.fetchone()[0]; conn.close(); server.stop()\n"
        "print('built' if any('building' in n for n in notes) else 'reused', ok)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "tools")}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outputs]
    results = sorted(out.strip() for out, _ in outputs)
    assert results == ["built True", "reused True", "reused True"]
    assert len([n for n in cache.entries()]) == 1


def test_clear_waits_for_a_run_reading_the_entry(cached):
    _, _, name = cached
    done = threading.Event()
    removed: list[int] = []

    def clear() -> None:
        removed.append(cache.clear())
        done.set()

    with cache.locked(name, shared=True):
        thread = threading.Thread(target=clear)
        thread.start()
        assert not done.wait(0.5)  # blocked while the entry is being read
        assert cache.manifest(name) is not None
    thread.join(10)
    assert done.is_set() and removed == [1]
    assert cache.entries() == []


def _marker_seed(key: str, calls: list[str], fail: bool = False) -> Seed:
    def fill(server, dbname):
        calls.append(dbname)
        conn = server.connect(dbname, autocommit=False)
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE public.seeded (k text)")
            cur.execute("INSERT INTO public.seeded VALUES (%s)", (key,))
            if fail:
                cur.execute("SELECT 1/0")
        conn.close()

    return Seed(dbname=f"seed_{key}", key=key, fill=fill)


def _seeded(server, seed: Seed) -> list:
    exists = query(server, f"SELECT count(*) FROM pg_database WHERE datname = '{seed.dbname}'")
    if exists != [(1,)]:
        return []
    return query(server, "SELECT k FROM public.seeded", seed.dbname)


def test_seed_is_built_beside_a_miss_and_served_on_the_next_run(cached):
    backend, bindir, golden = cached
    calls: list[str] = []
    seed = _marker_seed("alpha", calls)
    server, _ = _start(backend, bindir, seed)
    try:
        assert _seeded(server, seed) == []  # a miss: the run starts from the golden cluster
    finally:
        server.stop()  # waits for the layer build
    layer = goldens.layer_name(golden, seed)
    info = cache.manifest(layer)
    assert info is not None and info["seed_key"] == "alpha"
    assert calls == ["seed_alpha"]

    server, _ = _start(backend, bindir, seed)
    try:
        assert _seeded(server, seed) == [("alpha",)]
        assert _serves_shim(server)
    finally:
        server.stop()
    assert calls == ["seed_alpha"]  # served from the cache, not filled again

    other = _marker_seed("beta", calls)
    server, _ = _start(backend, bindir, other)
    try:
        assert _seeded(server, other) == []  # another key is another entry
    finally:
        server.stop()


def test_a_seed_that_fails_publishes_nothing(cached):
    backend, bindir, golden = cached
    seed = _marker_seed("broken", [], fail=True)
    server, _ = _start(backend, bindir, seed)
    server.stop()
    assert cache.manifest(goldens.layer_name(golden, seed)) is None
    assert cache.entries() == [golden]


def test_a_layer_being_built_elsewhere_is_a_miss_not_a_wait(cached):
    backend, bindir, golden = cached
    calls: list[str] = []
    seed = _marker_seed("gamma", calls)
    layer = goldens.layer_name(golden, seed)
    with cache.locked(layer, shared=False):  # another run is writing it
        started = time.perf_counter()
        server, _ = _start(backend, bindir, seed)
        try:
            assert _seeded(server, seed) == []
        finally:
            server.stop()
        assert time.perf_counter() - started < 30
    assert calls == []  # this run did not build it a second time
    assert cache.manifest(layer) is None


def test_old_layers_are_pruned(cached):
    backend, bindir, golden = cached
    for key in ("l1", "l2", "l3", "l4", "l5", "l6"):
        server, _ = _start(backend, bindir, _marker_seed(key, []))
        server.stop()
        time.sleep(0.01)  # distinct mtimes
    layers = [name for name in cache.entries() if name.startswith(f"{golden}-")]
    assert len(layers) == goldens.LAYERS_KEPT
    kept = {cache.manifest(name)["seed_key"] for name in layers}
    assert kept == {"l3", "l4", "l5", "l6"}


def test_run_directories_go_to_tmpfs_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEMADIFF_TMPDIR", str(tmp_path))
    assert process.run_root() == tmp_path
    monkeypatch.delenv("SCHEMADIFF_TMPDIR")
    root = process.run_root()
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        assert root == Path("/dev/shm")
    else:
        assert root.is_dir()


def test_older_goldens_for_the_same_binaries_are_pruned_to_the_most_recent(empty_cache, tmp_path):
    backend, bindir = empty_cache
    runnable = process.with_extensions(process.ensure_runnable(bindir, process.run_as()))
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    (tiny / "PG_VERSION").write_text("15\n")
    elsewhere = tmp_path / "other-binaries"
    elsewhere.mkdir()
    older, newer, other, gone = "a" * 20, "b" * 20, "c" * 20, "e" * 20
    source = process.source_bindir(runnable)  # goldens record the binaries, not the tree
    for name, where in ((older, str(source)), (newer, str(source)), (other, str(elsewhere)),
                        (gone, str(tmp_path / "deleted-venv" / "bin"))):
        with cache.locked(name, shared=False):
            cache.publish(name, tiny, {"kind": "golden", "bindir": where})
        time.sleep(0.01)
    with cache.locked(f"{older}-{'d' * 20}", shared=False):
        cache.publish(f"{older}-{'d' * 20}", tiny, {"kind": "layer", "golden": older})
    os.utime(cache.clusters_dir() / older / cache.MANIFEST, (1, 1))  # long unused

    server, _ = _start(backend, bindir)
    server.stop()
    names = set(cache.entries())
    assert goldens.golden_name(runnable) in names
    assert newer in names and other in names  # the last one used, and other binaries' own
    assert older not in names and f"{older}-{'d' * 20}" not in names
    assert gone not in names  # its binaries no longer exist: it can never start again


def test_servers_allow_large_single_transaction_schemas(cached):
    backend, bindir, _ = cached
    server, _ = _start(backend, bindir)
    try:
        # One transaction creating ~1000 tables with 3 indexes each takes ~5,000 locks.
        rows = query(server, "SELECT current_setting('max_locks_per_transaction')::int * "
                              "current_setting('max_connections')::int")
        assert rows[0][0] >= 5000 * 4
    finally:
        server.stop()
