"""The real Supabase CLI (npm `supabase`), run against a scratch database, as the oracle of
how migration files are applied. CI sets SCHEMADIFF_REQUIRE_SUPABASE_CLI=1: a missing CLI
fails there instead of skipping.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VERSION = "3.1.0"


@functools.cache
def _binary() -> str | None:
    found = shutil.which("supabase")
    if found is None:
        return None
    done = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=60)
    return found if done.stdout.strip() == VERSION else None


def binary() -> str:
    """The `supabase` command, the version these tests measured; else skip (or fail in CI)."""
    found = _binary()
    if found is None:
        why = f"the Supabase CLI {VERSION} is not installed (npm install -g supabase@{VERSION})"
        if os.environ.get("SCHEMADIFF_REQUIRE_SUPABASE_CLI") == "1":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    return found


def migration_up(cli: str, project: Path, server, dbname: str) -> tuple[bool, int | None]:
    """Run `supabase migration up` for `project` on `dbname`: (succeeded, the 0-based index
    of the failing statement, from the CLI's "At statement: N")."""
    # The CLI wants a host in the URL; libpq's host= parameter then names the socket dir.
    url = (f"postgresql://{server.user}@localhost/{dbname}?host={server.host}"
           f"&port={server.port}&sslmode=disable")
    done = subprocess.run([cli, "migration", "up", "--db-url", url, "--yes"], cwd=project,
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    failed = re.search(r"At statement: (\d+)", done.stdout + done.stderr)
    return done.returncode == 0, int(failed[1]) if failed else None
