"""The Fluxa repository as a user works in it: its migration, a seed change, unmanaged tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cliproject import copy_fluxa
from schemadiff.build import apply_into

REPO = Path(__file__).resolve().parents[2]
MIGRATION = REPO / "supabase/migrations/20250115000000_content_ingestion_system.sql"
ROLLBACK = REPO / "supabase/rollbacks/20250115000000_content_ingestion_system.sql"
# The existing tables the plan says the schema coexists with; not ours to change.
EXISTING = """
create table public.gists (id bigserial primary key, body text not null);
create table public.raw_trends (id bigserial primary key, topic text, score numeric);
insert into public.gists (body) values ('first gist'), ('second gist');
insert into public.raw_trends (topic, score) values ('ai', 0.9);
"""


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    return copy_fluxa(tmp_path)


@pytest.fixture
def run(cli, repo_copy):
    return cli(repo_copy)


def statements(path: Path) -> list[str]:
    """The file's statements, less the lock and statement timeouts every migration sets."""
    return [line for line in path.read_text().splitlines()
            if line.strip() and not line.startswith(("--", "SET LOCAL "))]


def test_repo_migrations_reproduce_schema(run):
    result = run("check")
    assert result.exit_code == 0, result.output


def test_changing_one_config_value_is_one_upsert_each_way(run, repo_copy):
    schema = repo_copy / "schema.sql"
    old = "('ingestion.max_items_per_run', '100'::jsonb"
    assert old in schema.read_text()
    schema.write_text(schema.read_text().replace(old, old.replace("100", "200")))
    result = run("diff", "bump_max_items")
    assert result.exit_code == 0, result.output
    (written,) = (repo_copy / "supabase" / "migrations").glob("*_bump_max_items.sql")
    # Besides the SET LOCAL timeouts every generated file starts with.
    up, down = ([s for s in statements(repo_copy / "supabase" / kind / written.name)
                 if not s.startswith("SET LOCAL ")] for kind in ("migrations", "rollbacks"))
    assert len(up) == 1 and len(down) == 1
    assert "'ingestion.max_items_per_run'" in up[0] and "'200'::jsonb" in up[0]
    assert "DO UPDATE SET config_value = EXCLUDED.config_value" in up[0]
    assert "'ingestion.max_items_per_run'" in down[0] and "'100'::jsonb" in down[0]
    assert run("check").exit_code == 0


def _rows(server, db) -> dict[str, list]:
    with server.connect(db) as conn, conn.cursor() as cur:
        cur.execute("select id, body from public.gists order by id")
        gists = cur.fetchall()
        cur.execute("select id, topic, score::text from public.raw_trends order by id")
        trends = cur.fetchall()
    conn.close()
    return {"gists": gists, "raw_trends": trends}


def test_existing_gists_and_raw_trends_survive_migration_and_rollback(server, fresh_db):
    db = fresh_db("prod_like")
    with server.connect(db) as conn, conn.cursor() as cur:
        cur.execute(EXISTING)
    conn.close()
    before = _rows(server, db)
    apply_into(server, db, MIGRATION)
    assert _rows(server, db) == before
    apply_into(server, db, ROLLBACK)
    assert _rows(server, db) == before


def test_unmanaged_tables_are_never_dropped(run, repo_copy):
    # A history that created gists and raw_trends (instead of the repository's platform_sql
    # declaring them): schema.sql doesn't declare them, and being unmanaged, the diff must
    # leave them alone rather than drop them.
    pyproject = repo_copy / "pyproject.toml"
    pyproject.write_text("\n".join(line for line in pyproject.read_text().splitlines()
                                   if not line.startswith("platform_sql")) + "\n")
    (repo_copy / "supabase/migrations/20261201130000_existing_tables.sql").write_text(EXISTING)
    assert run("hash").exit_code == 0  # the hand-added history, recorded on purpose
    result = run("diff", "anything")
    assert result.exit_code == 0, result.output
    assert "No difference" in result.output
