"""The migrations this repository releases apply with the real Supabase CLI.

`supabase migration up` (npm package `supabase`, the CLI binary inside) runs against a
scratch database holding the platform model, as it would against a new project. CI
installs the CLI and sets SCHEMADIFF_REQUIRE_SUPABASE_CLI=1, so there a missing CLI fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pgquery import query

REPO = Path(__file__).resolve().parent.parent


def _cli() -> str:
    found = shutil.which("supabase")
    if found is None:
        if os.environ.get("SCHEMADIFF_REQUIRE_SUPABASE_CLI") == "1":
            pytest.fail("the Supabase CLI is not installed (npm install -g supabase@3.1.0)",
                        pytrace=False)
        pytest.skip("the Supabase CLI is not installed (npm install -g supabase@3.1.0)")
    return found


def test_released_migrations_apply_with_the_supabase_cli(server, fresh_db, tmp_path):
    cli = _cli()
    shutil.copytree(REPO / "supabase" / "migrations", tmp_path / "supabase" / "migrations")
    db = fresh_db("supabase_cli")
    url = (f"postgresql://{server.user}@localhost/{db}?host={server.host}&port={server.port}"
           "&sslmode=disable")
    done = subprocess.run([cli, "migration", "up", "--db-url", url, "--include-all", "--yes"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    applied = [v for (v,) in query(server, "SELECT version FROM "
                                   "supabase_migrations.schema_migrations ORDER BY 1", db)]
    released = sorted(p.name.split("_", 1)[0]
                      for p in (REPO / "supabase" / "migrations").glob("*.sql"))
    assert applied == released
    # The end state as schema.sql declares it: anon has nothing, service_role writes.
    assert query(server, "SELECT has_table_privilege('anon', 'public.content_items', 'SELECT'),"
                 " has_table_privilege('service_role', 'public.content_items', 'DELETE')",
                 db) == [(False, True)]
