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

import pwd
import shutil
from pathlib import Path

from ..errors import NoPostgresError
from ..platform import Platform, named
from . import cache, leftovers
from .golden import (
    LayerBuild,
    Progress,
    Seed,
    cluster_server,
    golden_name,
    layer_name,
    unpack_golden,
    unpack_layer,
)
from .process import Postmaster, ensure_runnable, private_dir, run_as, run_root, with_extensions
from .server import Backend, Server
from .signals import deferred


class _BadEntry(Exception):
    """A cached entry was unpacked but the server would not start from it."""

    def __init__(self, name: str, entry_id: str, error: NoPostgresError) -> None:
        super().__init__(name)
        self.name, self.entry_id, self.error = name, entry_id, error


def _start_once(backend: Backend, bindir: Path, account: pwd.struct_passwd | None,
                seed: Seed | None, progress: Progress | None, platform: Platform) -> Server:
    golden = golden_name(bindir, platform)
    layer = layer_name(golden, seed) if seed else None
    work: Path | None = None
    proc: Postmaster | None = None
    builder: LayerBuild | None = None
    try:
        with deferred():  # the run dir is known to the cleanup below before any signal lands
            work = private_dir(account, "schemadiff-")
        datadir = work / "data"
        entry_id = unpack_layer(layer, datadir) if layer else None
        if layer is not None and entry_id is not None:
            entry = layer
        else:
            entry, entry_id = golden, unpack_golden(bindir, account, golden, datadir, progress,
                                                      platform)
            if seed is not None and layer is not None:
                builder = LayerBuild(bindir, account, golden, layer, seed, platform)
                builder.start()
        proc = Postmaster(bindir, datadir, work, work / "server.log", account)
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

    return cluster_server(backend, work, bindir, stop, platform)


def start_cluster(backend: Backend, bindir: Path, progress: Progress | None = None,
                  seed: Seed | None = None, platform: Platform | None = None) -> Server:
    """Start a private server from the cached golden cluster (or its layer for `seed`).

    A cached cluster the server will not start from is discarded and rebuilt, once.
    """
    platform = platform or named()
    account = run_as()
    bindir = with_extensions(ensure_runnable(bindir, account))
    leftovers.reap(run_root())  # servers left by runs that were killed (SIGKILL)
    try:
        return _start_once(backend, bindir, account, seed, progress, platform)
    except _BadEntry as bad:
        cache.discard(bad.name, only_id=bad.entry_id)
        if progress:
            progress(f"the cached cluster {bad.name} would not start; rebuilding it")
    try:
        return _start_once(backend, bindir, account, seed, progress, platform)
    except _BadEntry as bad:
        raise bad.error from None


def clear_cache() -> int:
    """Remove every cached cluster (and what killed runs left); returns how many entries."""
    leftovers.reap(run_root())
    return cache.clear()
