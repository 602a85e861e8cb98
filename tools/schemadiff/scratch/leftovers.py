"""Servers and run directories left by a schemadiff run that was killed (SIGKILL, OOM).

A killed run cannot clean up, and its postmaster keeps running (it is in its own
session). Each run directory records the pid of the run that owns it; the next run
stops the postmaster of any directory whose owner is gone (by the pid in the data
directory's postmaster.pid, and only if that process runs from this very directory)
and removes the directory.
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


def reap(root: Path) -> int:
    """Stop and remove every run directory under `root` whose owning run is gone."""
    reaped = 0
    if not root.is_dir():
        return 0
    for run_dir in root.glob(f"{PREFIX}*"):
        owner = _read_pid(run_dir / OWNER_FILE)
        if owner is None or _alive(owner):
            continue  # not ours to judge (no owner recorded), or still in use
        postmaster = _postmaster_of(run_dir)
        if postmaster is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGQUIT)
            deadline = time.monotonic() + 5
            while _alive(postmaster) and time.monotonic() < deadline:
                time.sleep(0.02)
        shutil.rmtree(run_dir, ignore_errors=True)
        reaped += 1
    return reaped
