"""Servers and run directories left by a schemadiff run that was killed (SIGKILL, OOM).

A killed run cannot clean up, and its postmaster keeps running (it is in its own
session). Each run directory records the pid of the run that owns it; the next run
stops the postmaster of any directory whose owner is gone (by the pid in the data
directory's postmaster.pid, and only if that process runs from this very directory)
and removes the directory. A directory some process still works in (a tar unpacking
into it) is left for a later run. A directory without an owner file that nothing uses
and that has not changed for a while is a leftover too: its owner file was removed while
something still wrote into it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

OWNER_FILE = "owner.pid"
PREFIX = "schemadiff-"
# An ownerless directory younger than this may be a run between mkdtemp and its claim.
ORPHAN_AGE_S = 60


def claim(run_dir: Path) -> None:
    """Record this process as the owner of `run_dir`."""
    (run_dir / OWNER_FILE).write_text(f"{os.getpid()}\n")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(path.read_text().split()[0])
    return None


def _postmaster_of(run_dir: Path) -> int | None:
    """The postmaster pid of `run_dir`, if that process really runs from it."""
    pid = _read_pid(run_dir / "data" / "postmaster.pid")
    if pid is None or not _alive(pid):
        return None
    with contextlib.suppress(OSError):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if str(run_dir) in cmdline:
            return pid
    return None


def _in_use(run_dir: Path, postmaster: int | None) -> bool:
    """Whether a live process other than the run's postmaster and its children (which
    reaping stops) has its working directory inside `run_dir`: e.g. a tar unpacking."""
    inside = str(run_dir) + os.sep
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == postmaster:
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            if not (os.readlink(entry / "cwd") + os.sep).startswith(inside):
                continue
            # Field 4 of /proc/PID/stat, after the parenthesised command name.
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            if postmaster is None or parent != postmaster:
                return True
    return False


def _orphaned(run_dir: Path) -> bool:
    try:
        age = time.time() - run_dir.stat().st_mtime
    except OSError:
        return False
    return age > ORPHAN_AGE_S


def reap(root: Path) -> int:
    """Stop and remove every run directory under `root` whose owning run is gone."""
    reaped = 0
    if not root.is_dir():
        return 0
    for run_dir in root.glob(f"{PREFIX}*"):
        if not run_dir.is_dir() or run_dir.name.startswith(f"{PREFIX}pginstall"):
            continue  # a shared copy of server binaries, not a run's
        owner = _read_pid(run_dir / OWNER_FILE)
        if owner is not None and _alive(owner):
            continue  # still in use
        if owner is None and not _orphaned(run_dir):
            continue  # maybe a run that has not claimed it yet
        postmaster = _postmaster_of(run_dir)
        if _in_use(run_dir, postmaster):
            continue  # something still writes into it; a later run removes it
        if postmaster is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGQUIT)
            deadline = time.monotonic() + 5
            while _alive(postmaster) and time.monotonic() < deadline:
                time.sleep(0.02)
        shutil.rmtree(run_dir, ignore_errors=True)
        reaped += 1
    return reaped
