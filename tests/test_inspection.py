"""Our migra inspection (a plain psycopg2 cursor) sees what stock migra (sqlbag + SQLAlchemy)
sees, object for object, on every fixture schema and on the Fluxa schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from schemainspect import get_inspector
from schemainspect.pg.obj import PROPS
from sqlalchemy.pool import NullPool
from sqlbag import S

from schemadiff import diff
from schemadiff.build import apply_into

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = sorted(
    [p for kind in ("convergence", "diff") for p in (FIXTURES / kind).glob("*/[ab].sql")]
    + [ROOT / "schema.sql"]
)


def _scope(server, dbname: str) -> diff.Scope:
    """Every schema in the database (the shim's platform schemas included)."""
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' "
                        "AND nspname <> 'information_schema'")
            return diff.Scope(tuple(sorted(name for (name,) in cur.fetchall())))
    finally:
        conn.close()


def _stock(server, dbname: str, scope: diff.Scope):
    # NullPool: a pooled connection would keep the database busy for DROP.
    with S(server.url(dbname), poolclass=NullPool) as session:
        return diff.restrict(get_inspector(session), scope)


def _ours(server, dbname: str, scope: diff.Scope):
    conn = server.connect(dbname)
    try:
        return diff.inspect(conn, scope)
    finally:
        conn.close()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plain_cursor_inspection_matches_sqlalchemy(server, fresh_db, source):
    if not source.read_text().strip():
        pytest.skip("empty side of a fixture")
    dbname = fresh_db("inspect")
    apply_into(server, dbname, source)
    scope = _scope(server, dbname)
    stock, ours = _stock(server, dbname, scope), _ours(server, dbname, scope)
    seen = 0
    for prop in PROPS.split():
        theirs, mine = getattr(stock, prop), getattr(ours, prop)
        assert list(mine) == list(theirs), prop
        for key, obj in theirs.items():
            assert mine[key] == obj, f"{prop} {key}"
        seen += len(theirs)
    assert seen > 0, "the fixture declares nothing in scope: the comparison proves nothing"
    assert diff.statements(stock, ours) == []
    assert diff.statements(ours, stock) == []
