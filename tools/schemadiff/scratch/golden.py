"""The cached clusters: a "golden" one per server binaries and platform, and layers on it.

A golden cluster is initdb'd, with the platform loaded into a template database; it is
built once per server binaries, version and platform content, cached (see `cache.py`),
and unpacked for each run. A caller may also name a `Seed`: a database (e.g. the
replayed migrations) baked into a second cached cluster, a layer, keyed by the golden
one plus everything that database's content depends on.
"""

from __future__ import annotations

import hashlib
import pwd
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from psycopg2 import sql

from ..errors import NoPostgresError
from ..platform import Platform, named, standins
from . import cache
from .process import (
    SUPERUSER,
    Postmaster,
    extension_settings,
    private_dir,
    run_program,
    server_version,
    source_bindir,
)
from .server import Backend, Server
from .signals import deferred

BASE_DB = "schemadiff_base"


# Cached layers (golden + seed database) kept per golden cluster, most recently used first.
LAYERS_KEPT = 4


# Golden clusters kept per server binaries (for other shim versions), most recently used first.
GOLDENS_KEPT = 2


Progress = Callable[[str], None]
# The private server that bakes a seed into a layer (never handed to a command).
LAYER = Backend("layer")


@dataclass(frozen=True)
class Seed:
    """A database to bake into a cached cluster: its name, a digest of everything its
    content depends on, and how to fill it (created from the shim base) in a fresh server."""

    dbname: str
    key: str
    fill: Callable[[Server, str], None]



def golden_name(bindir: Path, platform: Platform | None = None) -> str:
    """Cache name of the golden cluster: the binaries (path, size, mtime) and the shim.

    The binaries' identity stands in for `postgres --version`, which costs a process
    start on every run; an upgrade in place changes size or mtime, so a new key.
    """
    digest = hashlib.sha256()
    # The binaries themselves, not the extension tree run from them (its place may vary).
    source = source_bindir(bindir)
    parts = [cache.FORMAT, str(source.resolve())]
    for program in ("postgres", "initdb"):
        stat = (source / program).stat()
        parts.append(f"{program}:{stat.st_size}:{stat.st_mtime_ns}")
    platform = platform or named()
    parts.append(platform.name)
    parts.extend(f"{name}:{text}" for name, text in standins().items())
    parts.extend(sorted(extension_settings(bindir)))  # how the stand-ins are found
    parts.append(platform.sql)
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def layer_name(golden: str, seed: Seed) -> str:
    """Cache name of the golden cluster plus `seed`'s database."""
    return f"{golden}-{hashlib.sha256(seed.key.encode()).hexdigest()[:20]}"


def cluster_server(backend: Backend, work: Path, bindir: Path,
                   stop: Callable[[], None] | None, platform: Platform) -> Server:
    return Server(
        backend=backend, host=str(work), port=5432, user=SUPERUSER, password=None,
        admin_db="postgres", db_prefix="sd_", bindir=bindir, base_db=BASE_DB,
        log_path=work / "server.log", _stop=stop, platform=platform,
    )


def build_golden(bindir: Path, name: str, account: pwd.struct_passwd | None,
                 platform: Platform) -> None:
    """initdb, load the shim into BASE_DB, shut down cleanly, publish as entry `name`."""
    work: Path | None = None
    try:
        with deferred():
            work = private_dir(account, "schemadiff-golden-")
        datadir = work / "data"
        # 1 MB WAL segments: a fresh cluster then carries 1 MB of WAL instead of 16 MB,
        # a third less to unpack on every run.
        run_program(bindir, "initdb", account, "-D", str(datadir), "-U", SUPERUSER,
                 "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                 "--no-instructions", "--wal-segsize=1")
        proc = Postmaster(bindir, datadir, work, work / "server.log", account)
        try:
            proc.wait_ready(work)
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname="postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BASE_DB)))
            conn.close()
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname=BASE_DB)
            with conn, conn.cursor() as cur:
                if platform.sql:
                    cur.execute(platform.sql)
            conn.close()
        except BaseException:
            proc.stop()
            raise
        # Clean, so that every copy starts without crash recovery.
        proc.stop_cleanly()
        cache.publish(name, datadir, {"kind": "golden", "bindir": str(source_bindir(bindir)),
                                      "server_version": server_version(bindir)})
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    _remove_stale(source_bindir(bindir), name)


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


def unpack_golden(bindir: Path, account: pwd.struct_passwd | None, name: str, dest: Path,
                  progress: Progress | None, platform: Platform) -> str:
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
                build_golden(bindir, name, account, platform)
    raise NoPostgresError(f"the cached cluster {name} kept disappearing while being read.")


def unpack_layer(name: str, dest: Path) -> str | None:
    """Unpack layer `name` into `dest` when it is cached and not being written; its id."""
    # Not waiting: a layer being built by another run is a miss, not a reason to stall.
    with cache.locked(name, shared=True, wait=False) as held:
        info = cache.manifest(name) if held else None
        if info is None:
            return None
        cache.extract(name, dest)
    cache.touch(name)
    return info["id"]


class LayerBuild(threading.Thread):
    """Builds layer `name` (golden + the seed's database) in a fresh cluster of its own.

    Nothing but the seed runs in that cluster, so the published files hold exactly the
    golden cluster plus what `seed.fill` did. Failures are not reported: a seed that
    cannot be built fails the same way in the run itself, which reports it.
    """

    def __init__(self, bindir: Path, account: pwd.struct_passwd | None, golden: str,
                 name: str, seed: Seed, platform: Platform) -> None:
        self.platform = platform
        super().__init__(name=f"schemadiff-layer-{name}", daemon=True)
        self.bindir, self.account, self.golden, self.layer, self.seed = (
            bindir, account, golden, name, seed)
        self.published = False
        self.error: BaseException | None = None
        self._cancelled = threading.Event()
        self._proc: Postmaster | None = None

    def run(self) -> None:
        try:
            with cache.locked(self.layer, shared=False, wait=False) as held:
                if held and cache.manifest(self.layer) is None:
                    self._build()
        except BaseException as exc:  # noqa: BLE001 - see the class docstring
            self.error = exc

    def _build(self) -> None:
        work = private_dir(self.account, "schemadiff-layer-")
        try:
            datadir = work / "data"
            unpack_golden(self.bindir, self.account, self.golden, datadir, None,
                          self.platform)
            if self._cancelled.is_set():
                return
            self._proc = Postmaster(self.bindir, datadir, work, work / "server.log", self.account)
            if self._cancelled.is_set():  # cancel() may have run before _proc was set
                self._proc.stop()
                return
            self._proc.wait_ready(work)
            server = cluster_server(LAYER, work, self.bindir, None, self.platform)
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
