"""One writer per repository: a lock file that names its holder and leaves no trace.

The lock file exists only while a run holds it, so a finished or failed run leaves
the work tree as it found it (`git status` clean). Removing a lock file others may be
waiting on is racy in general; here nobody waits (LOCK_NB), and a run that locked a
file someone else has just removed notices (the path no longer names its file) and
tries again on the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError

LOCK_FILE = ".schemadiff.lock"


def _holder(handle) -> str:
    handle.seek(0)
    return handle.read().strip() or "another process"


@contextlib.contextmanager
def repo_lock(root: Path, what: str) -> Iterator[None]:
    """Hold the repository's lock for the block; a second run fails at once, naming the holder."""
    path = root / LOCK_FILE
    while True:
        handle = open(path, "a+")  # noqa: SIM115 - held past this block, closed below
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            handle.close()
            raise UsageError(
                f"{path}: another schemadiff run holds this repository's lock ({holder}).",
                detail="Wait for it to finish; if no such process runs, delete the lock file.",
            ) from None
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        # The holder we raced removed this file after we opened it: lock the new one.
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, schemadiff {what}\n")
        handle.flush()
        yield
    finally:
        # Unlink while still holding the lock, so nobody can lock the old file after us.
        with contextlib.suppress(OSError):
            path.unlink()
        handle.close()
