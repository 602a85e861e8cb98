"""The on-disk cache of prepared clusters, safe under concurrent runs.

An entry is a directory `<cache>/clusters/<name>/` holding `cluster.tar` (the data
directory of a cleanly shut down cluster) and `manifest.json`. One tar file rather
than a copied tree: creating ~1,300 small files costs seconds on some disks, one file
costs milliseconds. An entry is written in a staging directory and published by one
rename; it is read under a shared lock and replaced or removed only under an exclusive
one, so no run ever sees a half-written or half-deleted entry. An entry whose manifest
is missing, of another format, or whose archive has another size is not an entry.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import NoPostgresError
from .signals import deferred

# Bump when what an entry holds, or how it is laid out, changes.
FORMAT = "2"
ARCHIVE = "cluster.tar"
MANIFEST = "manifest.json"
LOCKS = "locks"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def cache_root() -> Path:
    """Where cached clusters live: $SCHEMADIFF_CACHE_DIR, else the XDG cache dir."""
    if env := os.environ.get("SCHEMADIFF_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schemadiff"


def clusters_dir() -> Path:
    return cache_root() / "clusters"


@contextlib.contextmanager
def locked(name: str, *, shared: bool, wait: bool = True) -> Iterator[bool]:
    """flock on the entry's lock file; yields False (not held) when `wait` is off and it is busy.

    Lock files are never deleted: deleting one while another process waits on it would
    let two processes each hold "the" lock.
    """
    path = clusters_dir() / LOCKS / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, flags if wait else flags | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def manifest(name: str) -> dict | None:
    """The entry's manifest when the entry is complete, else None."""
    entry = clusters_dir() / name
    try:
        info = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        size = (entry / ARCHIVE).stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("format") != FORMAT or info.get("name") != name:
        return None
    if info.get("bytes") != size:
        return None
    return info


def extract(name: str, dest: Path) -> None:
    """Unpack entry `name` into the new directory `dest` (owners and modes as archived)."""
    dest.mkdir(mode=0o700)
    # -p: keep the archived modes even for a non-root user (postgres insists on 0700);
    # as root, tar also restores the archived owner (the account that runs postgres).
    _tar("-x", "-p", "-f", str(clusters_dir() / name / ARCHIVE), "-C", str(dest))


def publish(name: str, datadir: Path, info: dict) -> dict:
    """Archive `datadir` (a cleanly stopped cluster) as entry `name`; returns its manifest.

    Call with the entry's exclusive lock held. The entry appears whole or not at all.
    """
    root = clusters_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        _tar("-c", "-f", str(staging / ARCHIVE), "-C", str(datadir), ".")
        full = {
            **info,
            "format": FORMAT,
            "name": name,
            "id": uuid.uuid4().hex,
            "bytes": (staging / ARCHIVE).stat().st_size,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (staging / MANIFEST).write_text(json.dumps(full, indent=2) + "\n", encoding="utf-8")
        _remove(root / name)  # an incomplete leftover under the same name
        os.rename(staging, root / name)
        return full
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def discard(name: str, only_id: str | None = None) -> bool:
    """Remove entry `name` (only if its manifest id is `only_id`, when given)."""
    with locked(name, shared=False):
        if only_id is not None:
            info = manifest(name)
            if info is not None and info.get("id") != only_id:
                return False  # already rebuilt by another run
        return _remove(clusters_dir() / name)


def touch(name: str) -> None:
    """Mark entry `name` as just used (pruning keeps the most recently used)."""
    with contextlib.suppress(OSError):
        os.utime(clusters_dir() / name / MANIFEST)


def last_used(name: str) -> float:
    """When entry `name` was last used (its manifest's mtime); 0 when unknown."""
    try:
        return (clusters_dir() / name / MANIFEST).stat().st_mtime
    except OSError:
        return 0.0


def prune(prefix: str, keep: int) -> list[str]:
    """Remove all but the `keep` most recently used entries whose names start with `prefix`."""
    root = clusters_dir()
    if not root.is_dir():
        return []
    entries = [(last_used(e.name), e.name) for e in root.iterdir()
               if e.is_dir() and e.name.startswith(prefix)]
    # An entry another run is reading or writing is skipped; the next prune gets it.
    return [name for _, name in sorted(entries, reverse=True)[keep:] if remove_if_idle(name)]


def entries() -> list[str]:
    """Names of the directories in the cache that may be entries (complete or not)."""
    root = clusters_dir()
    if not root.is_dir():
        return []
    return sorted(e.name for e in root.iterdir()
                  if e.is_dir() and e.name != LOCKS and not e.name.startswith("."))


def remove_if_idle(name: str) -> bool:
    """Remove entry `name` unless another run holds its lock right now."""
    with locked(name, shared=False, wait=False) as held:
        return held and _remove(clusters_dir() / name)


def clear() -> int:
    """Remove every entry (each under its exclusive lock); returns how many were removed."""
    root = clusters_dir()
    if not root.is_dir():
        return 0
    count = 0
    for entry in sorted(root.iterdir()):
        if entry.name == LOCKS or not entry.is_dir():
            continue
        if entry.name.startswith("."):
            # Staging or trash left by a killed run; never counted as an entry.
            shutil.rmtree(entry, ignore_errors=True)
            continue
        with locked(entry.name, shared=False):
            if _remove(entry):
                count += 1
    return count


def _remove(path: Path) -> bool:
    """Rename aside, then delete: the name is free at once, even if deleting takes a while."""
    trash = path.parent / f".trash-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        os.rename(path, trash)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise
    shutil.rmtree(trash, ignore_errors=True)
    return True


def _dying_with(run: int) -> Callable[[], None]:
    """For the child before exec: SIGKILL when process `run` dies, even by SIGKILL (Linux)."""

    def arm() -> None:
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        # The run may have died between fork and prctl: nothing would signal this child.
        if os.getppid() != run:
            os._exit(1)

    return arm


def _tar(*args: str) -> None:
    # Started with signals held, and always reaped: an interrupted run must not leave a
    # tar still writing into the directory its cleanup is removing. A run killed outright
    # takes its tar with it: a tar writing on into a run directory that the next run reaps
    # would leave a directory behind without its owner file.
    tar = None
    try:
        with deferred():
            tar = subprocess.Popen(["tar", *args], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True,
                                   preexec_fn=_dying_with(os.getpid()))  # noqa: PLW1509 - no threads run in it
        _, stderr = tar.communicate()
    except BaseException:
        if tar is not None:
            tar.kill()
            tar.wait()
        raise
    if tar.returncode != 0:
        raise NoPostgresError(
            f"tar {args[0]} of a cached cluster failed (exit {tar.returncode}).",
            detail=stderr.strip()[-2000:],
        )
