"""A throwaway Postgres cluster run from server binaries (the `local` and `embedded` backends).

Fast by construction: a "golden" cluster (initdb'd, platform shim loaded into a
template database) is built once per server binaries, version and shim content,
cached (see `cache.py`), and unpacked for each run into a private 0700 directory,
on tmpfs where there is one; the server runs with fsync off on a unix socket there,
so there is no TCP port to collide with. A caller may also name a `Seed`: a database
(e.g. the replayed migrations) baked into a second cached cluster keyed by the golden
one plus everything that database's content depends on. On a hit the run starts from
that cluster with the database already in it; on a miss the run starts from the
golden one while a fresh cluster builds the seed beside it, for the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from .. import sql as sql_files
from ..errors import NoPostgresError
from . import cache, leftovers
from .cache import cache_root  # noqa: F401  (re-exported: where the cache lives)
from .server import Server, log_tail
from .signals import deferred

BASE_DB = "schemadiff_base"
SUPERUSER = "postgres"
# initdb and postgres refuse to run as root; this account runs them instead.
UNPRIVILEGED_ACCOUNT = "nobody"
# Cached layers (golden + seed database) kept per golden cluster, most recently used first.
LAYERS_KEPT = 4
# Golden clusters kept per server binaries (for other shim versions), most recently used first.
GOLDENS_KEPT = 2
# A run directory on tmpfs needs at least this much free space, else the disk is used.
TMPFS_MIN_FREE = 1 << 30

SERVER_SETTINGS = {
    # Scratch data: durability buys nothing here and costs most of the time.
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "listen_addresses": "",
    "max_connections": "40",
    # schema.sql is applied in one transaction, which locks every table and index it
    # creates: the default (64 per connection) fails near 700 tables with 3 indexes each.
    "max_locks_per_transaction": "1024",
    "shared_buffers": "32MB",
    # Segments as files in the data directory, removed with the run directory: POSIX
    # segments (/dev/shm/PostgreSQL.*) outlive the immediate shutdown that stops a run.
    "dynamic_shared_memory_type": "mmap",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "logging_collector": "off",
    "timezone": "UTC",
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Seed:
    """A database to bake into a cached cluster: its name, a digest of everything its
    content depends on, and how to fill it (created from the shim base) in a fresh server."""

    dbname: str
    key: str
    fill: Callable[[Server, str], None]


def shim_sql() -> str:
    return sql_files.load("supabase_shim.sql")


def run_root() -> Path:
    """Where run directories go: $SCHEMADIFF_TMPDIR, else /dev/shm (tmpfs), else the temp dir.

    A data directory is ~1,300 files; creating them on tmpfs takes ~0.1 s where some
    disks take seconds.
    """
    if env := os.environ.get("SCHEMADIFF_TMPDIR"):
        return Path(env)
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        stats = os.statvfs(shm)
        if os.access(shm, os.W_OK | os.X_OK) and stats.f_bavail * stats.f_frsize >= TMPFS_MIN_FREE:
            return shm
    return Path(tempfile.gettempdir())


def _run_as() -> pwd.struct_passwd | None:
    """The account to run the server as: None for ourselves, `nobody` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError:
        raise NoPostgresError(
            f"Running as root and there is no '{UNPRIVILEGED_ACCOUNT}' account to run "
            "Postgres as (initdb refuses root)."
        ) from None


def _as_account(account: pwd.struct_passwd | None) -> dict:
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _program(bindir: Path, name: str, account: pwd.struct_passwd | None, *args: str,
             timeout: float = 120) -> None:
    """Run one server program, as `account`, failing with its output."""
    result = subprocess.run(
        [str(bindir / name), *args], capture_output=True, text=True, timeout=timeout, cwd="/",
        **_as_account(account),
    )
    if result.returncode != 0:
        raise NoPostgresError(
            f"{name} failed (exit {result.returncode}).",
            detail=(result.stderr or result.stdout).strip()[-2000:],
        )


def server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=30
    )
    if out.returncode != 0:
        raise NoPostgresError(f"{bindir / 'postgres'} --version failed: {out.stderr.strip()}")
    return out.stdout.strip()


def golden_name(bindir: Path) -> str:
    """Cache name of the golden cluster: the binaries (path, size, mtime) and the shim.

    The binaries' identity stands in for `postgres --version`, which costs a process
    start on every run; an upgrade in place changes size or mtime, so a new key.
    """
    digest = hashlib.sha256()
    parts = [cache.FORMAT, str(bindir.resolve())]
    for program in ("postgres", "initdb"):
        stat = (bindir / program).stat()
        parts.append(f"{program}:{stat.st_size}:{stat.st_mtime_ns}")
    parts.append(shim_sql())
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def layer_name(golden: str, seed: Seed) -> str:
    """Cache name of the golden cluster plus `seed`'s database."""
    return f"{golden}-{hashlib.sha256(seed.key.encode()).hexdigest()[:20]}"


class _Process:
    """A postgres postmaster we started; stopped by pid, never by name."""

    def __init__(self, bindir: Path, datadir: Path, sockdir: Path, log: Path,
                 account: pwd.struct_passwd | None) -> None:
        args = [str(bindir / "postgres"), "-D", str(datadir), "-k", str(sockdir), "-p", "5432"]
        for key, value in SERVER_SETTINGS.items():
            args += ["-c", f"{key}={value}"]
        self.log = log
        with open(log, "ab") as out:
            # Own session: a Ctrl-C in the terminal reaches us, and we stop the server in order.
            self.popen = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=str(datadir), start_new_session=True, **_as_account(account),
            )

    def wait_ready(self, sockdir: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                raise NoPostgresError(
                    f"postgres exited with code {self.popen.returncode} while starting.",
                    detail=log_tail(self.log),
                )
            try:
                psycopg2.connect(host=str(sockdir), port=5432, user=SUPERUSER,
                                 dbname="postgres", connect_timeout=2).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    self.stop(signal.SIGQUIT)
                    raise NoPostgresError(
                        f"postgres did not accept connections within {timeout:.0f} s.",
                        detail=log_tail(self.log),
                    ) from None
                time.sleep(0.01)

    def stop(self, how: signal.Signals = signal.SIGQUIT) -> None:
        """SIGQUIT (immediate shutdown) suits scratch data; SIGINT when the files are kept."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(how)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=15)

    def stop_cleanly(self) -> None:
        """A clean (SIGINT) shutdown, required before the files are archived."""
        self.stop(signal.SIGINT)
        if self.popen.returncode != 0:
            raise NoPostgresError(
                f"postgres did not shut down cleanly (exit {self.popen.returncode}).",
                detail=log_tail(self.log),
            )


def _private_dir(account: pwd.struct_passwd | None, prefix: str) -> Path:
    root = run_root()
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=root))  # mkdtemp makes it 0700
    leftovers.claim(path)
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)
    return path


def _server(backend: str, work: Path, bindir: Path, stop: Callable[[], None] | None) -> Server:
    return Server(
        backend=backend, host=str(work), port=5432, user=SUPERUSER, password=None,
        admin_db="postgres", db_prefix="sd_", bindir=bindir, base_db=BASE_DB,
        log_path=work / "server.log", _stop=stop,
    )


def _build_golden(bindir: Path, name: str, account: pwd.struct_passwd | None) -> None:
    """initdb, load the shim into BASE_DB, shut down cleanly, publish as entry `name`."""
    work: Path | None = None
    try:
        with deferred():
            work = _private_dir(account, "schemadiff-golden-")
        datadir = work / "data"
        # 1 MB WAL segments: a fresh cluster then carries 1 MB of WAL instead of 16 MB,
        # a third less to unpack on every run.
        _program(bindir, "initdb", account, "-D", str(datadir), "-U", SUPERUSER,
                 "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                 "--no-instructions", "--wal-segsize=1")
        proc = _Process(bindir, datadir, work, work / "server.log", account)
        try:
            proc.wait_ready(work)
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname="postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BASE_DB)))
            conn.close()
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname=BASE_DB)
            with conn, conn.cursor() as cur:
                cur.execute(shim_sql())
            conn.close()
        except BaseException:
            proc.stop()
            raise
        # Clean, so that every copy starts without crash recovery.
        proc.stop_cleanly()
        cache.publish(name, datadir, {"kind": "golden", "bindir": str(bindir),
                                      "server_version": server_version(bindir)})
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    _remove_stale(bindir, name)


def _remove_stale(bindir: Path, golden: str) -> None:
    """Drop what a new golden cluster for `bindir` replaces: entries of an older cache
    format, goldens whose binaries are gone (an embedded server in a deleted venv), and
    goldens for the same binaries (older version or shim) beyond the GOLDENS_KEPT most
    recently used, with their layers. Keeping more than one lets two projects on two
    schemadiff versions share a machine without rebuilding in turn."""
    stale = set()
    same_binaries = []
    for name in cache.entries():
        info = cache.manifest(name)
        if info is None and (cache.clusters_dir() / name / "PG_VERSION").is_file():
            stale.add(name)  # a format-1 entry: a bare data directory
        elif not info or info.get("kind") != "golden" or name == golden:
            continue
        elif not Path(info.get("bindir", "")).is_dir():
            stale.add(name)  # nothing can start it again
        elif info.get("bindir") == str(bindir):
            same_binaries.append((cache.last_used(name), name))
    stale.update(name for _, name in sorted(same_binaries, reverse=True)[GOLDENS_KEPT - 1:])
    for name in cache.entries():
        if name in stale or name.split("-")[0] in stale:
            cache.remove_if_idle(name)


def _unpack_golden(bindir: Path, account: pwd.struct_passwd | None, name: str, dest: Path,
                   progress: Progress | None) -> str:
    """Unpack the golden cluster into `dest`, building it first if needed; returns its id."""
    for _ in range(3):  # a concurrent `cache clear` may remove it between build and read
        with cache.locked(name, shared=True):
            info = cache.manifest(name)
            if info is not None:
                cache.extract(name, dest)
                cache.touch(name)
                return info["id"]
        with cache.locked(name, shared=False):
            if cache.manifest(name) is None:
                if progress:
                    progress("building the cached scratch cluster (first run only)")
                _build_golden(bindir, name, account)
    raise NoPostgresError(f"the cached cluster {name} kept disappearing while being read.")


def _unpack_layer(name: str, dest: Path) -> str | None:
    """Unpack layer `name` into `dest` when it is cached and not being written; its id."""
    # Not waiting: a layer being built by another run is a miss, not a reason to stall.
    with cache.locked(name, shared=True, wait=False) as held:
        info = cache.manifest(name) if held else None
        if info is None:
            return None
        cache.extract(name, dest)
    cache.touch(name)
    return info["id"]


class _LayerBuild(threading.Thread):
    """Builds layer `name` (golden + the seed's database) in a fresh cluster of its own.

    Nothing but the seed runs in that cluster, so the published files hold exactly the
    golden cluster plus what `seed.fill` did. Failures are not reported: a seed that
    cannot be built fails the same way in the run itself, which reports it.
    """

    def __init__(self, bindir: Path, account: pwd.struct_passwd | None, golden: str,
                 name: str, seed: Seed) -> None:
        super().__init__(name=f"schemadiff-layer-{name}", daemon=True)
        self.bindir, self.account, self.golden, self.layer, self.seed = (
            bindir, account, golden, name, seed)
        self.published = False
        self.error: BaseException | None = None
        self._cancelled = threading.Event()
        self._proc: _Process | None = None

    def run(self) -> None:
        try:
            with cache.locked(self.layer, shared=False, wait=False) as held:
                if held and cache.manifest(self.layer) is None:
                    self._build()
        except BaseException as exc:  # noqa: BLE001 - see the class docstring
            self.error = exc

    def _build(self) -> None:
        work = _private_dir(self.account, "schemadiff-layer-")
        try:
            datadir = work / "data"
            _unpack_golden(self.bindir, self.account, self.golden, datadir, None)
            if self._cancelled.is_set():
                return
            self._proc = _Process(self.bindir, datadir, work, work / "server.log", self.account)
            if self._cancelled.is_set():  # cancel() may have run before _proc was set
                self._proc.stop()
                return
            self._proc.wait_ready(work)
            server = _server("layer", work, self.bindir, None)
            conn = server.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(self.seed.dbname), sql.Identifier(BASE_DB)))
            finally:
                conn.close()
            self.seed.fill(server, self.seed.dbname)
            self._proc.stop_cleanly()
            if self._cancelled.is_set():
                return
            cache.publish(self.layer, datadir, {"kind": "layer", "golden": self.golden,
                                                "seed_db": self.seed.dbname,
                                                "seed_key": self.seed.key})
            self.published = True
            cache.prune(f"{self.golden}-", LAYERS_KEPT)
        finally:
            if self._proc is not None:
                self._proc.stop()
            shutil.rmtree(work, ignore_errors=True)

    def cancel(self) -> None:
        """Stop building now (its postmaster is shut down; nothing is published)."""
        self._cancelled.set()
        if self._proc is not None:
            self._proc.stop()


class _BadEntry(Exception):
    """A cached entry was unpacked but the server would not start from it."""

    def __init__(self, name: str, entry_id: str, error: NoPostgresError) -> None:
        super().__init__(name)
        self.name, self.entry_id, self.error = name, entry_id, error


def ensure_runnable(bindir: Path, account: pwd.struct_passwd | None) -> Path:
    """Binaries the server account can execute: a copy when they sit behind a 0700 home."""
    if account is None:
        return bindir
    probe = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, cwd="/",
        **_as_account(account),
    )
    if probe.returncode == 0:
        return bindir
    install = bindir.parent
    digest = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"schemadiff-pginstall-{digest}"
    if not (copy / "bin" / "postgres").is_file():
        staging = Path(tempfile.mkdtemp(prefix="schemadiff-pginstall-"))
        shutil.copytree(install, staging / "tree", symlinks=True)
        os.chmod(staging, 0o755)
        os.chmod(staging / "tree", 0o755)
        with contextlib.suppress(OSError):
            os.rename(staging / "tree", copy)
        shutil.rmtree(staging, ignore_errors=True)
    return copy / "bin"


def _start_once(backend: str, bindir: Path, account: pwd.struct_passwd | None,
                seed: Seed | None, progress: Progress | None) -> Server:
    golden = golden_name(bindir)
    layer = layer_name(golden, seed) if seed else None
    work: Path | None = None
    proc: _Process | None = None
    builder: _LayerBuild | None = None
    try:
        with deferred():  # the run dir is known to the cleanup below before any signal lands
            work = _private_dir(account, "schemadiff-")
        datadir = work / "data"
        entry_id = _unpack_layer(layer, datadir) if layer else None
        if layer is not None and entry_id is not None:
            entry = layer
        else:
            entry, entry_id = golden, _unpack_golden(bindir, account, golden, datadir, progress)
            if seed is not None and layer is not None:
                builder = _LayerBuild(bindir, account, golden, layer, seed)
                builder.start()
        proc = _Process(bindir, datadir, work, work / "server.log", account)
        try:
            proc.wait_ready(work)
        except NoPostgresError as exc:
            raise _BadEntry(entry, entry_id, exc) from None
    except BaseException:
        if proc is not None:
            proc.stop()
        if builder is not None:
            builder.cancel()
            builder.join()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise

    def stop() -> None:
        try:
            proc.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if builder is not None:
                # Let the next run's layer finish; an interrupt while waiting abandons it.
                try:
                    builder.join()
                except BaseException:
                    builder.cancel()
                    builder.join()
                    raise

    return _server(backend, work, bindir, stop)


def start_cluster(backend: str, bindir: Path, progress: Progress | None = None,
                  seed: Seed | None = None) -> Server:
    """Start a private server from the cached golden cluster (or its layer for `seed`).

    A cached cluster the server will not start from is discarded and rebuilt, once.
    """
    account = _run_as()
    bindir = ensure_runnable(bindir, account)
    leftovers.reap(run_root())  # servers left by runs that were killed (SIGKILL)
    try:
        return _start_once(backend, bindir, account, seed, progress)
    except _BadEntry as bad:
        cache.discard(bad.name, only_id=bad.entry_id)
        if progress:
            progress(f"the cached cluster {bad.name} would not start; rebuilding it")
    try:
        return _start_once(backend, bindir, account, seed, progress)
    except _BadEntry as bad:
        raise bad.error from None


def clear_cache() -> int:
    """Remove every cached cluster; returns how many were removed."""
    return cache.clear()
