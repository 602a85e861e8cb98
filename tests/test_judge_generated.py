"""Generated columns in the catalog judge: stored, virtual (Postgres 18's default) and a
plain default with the same expression are three different columns."""

from __future__ import annotations

import pytest

from schemadiff.inspect.catalog import snapshot
from schemadiff.inspect.catalog_model import Snapshot
from schemadiff.proof.compare import compare_snapshots as compare


def _snapshot(server, fresh_db, definition: str) -> Snapshot:
    """The snapshot of a database holding `create table t (a int, b <definition>)`."""
    conn = server.connect(fresh_db("gen"), autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"create table t (a int, b {definition})")
        return snapshot(conn, ["public"])
    finally:
        conn.close()


def _column(server, fresh_db, definition: str) -> str | None:
    return _snapshot(server, fresh_db, definition).objects.get("column public.t.b")


def test_stored_generated_column_is_not_a_default(server, fresh_db):
    stored = _column(server, fresh_db, "int generated always as (42) stored")
    assert stored == "integer generated always as (42) stored"
    assert _column(server, fresh_db, "int default 42") == "integer default 42"


@pytest.mark.parametrize("other", ["int generated always as (42) stored", "int default 42"])
def test_virtual_generated_column_is_neither_stored_nor_a_default(server, fresh_db, other):
    if server.version_num() < 180000:
        pytest.skip("virtual generated columns exist from Postgres 18 on")
    virtual = "int generated always as (42) virtual"
    assert _column(server, fresh_db, virtual) == "integer generated always as (42) virtual"
    comparison = compare(_snapshot(server, fresh_db, virtual), _snapshot(server, fresh_db, other))
    assert [d.identity for d in comparison.differences] == ["column public.t.b"]
