"""Our migra inspection (a plain psycopg2 cursor) sees what stock migra (sqlbag + SQLAlchemy)
sees, object for object, on every fixture schema and on the Fluxa schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from migra import Migration
from migra.util import differences as original_differences
from schemainspect import get_inspector
from schemainspect.pg.obj import PROPS
from sqlalchemy import text
from sqlalchemy.pool import NullPool
from sqlbag import S

from pgquery import query
from schemadiff.build import apply_into
from schemadiff.inspect import fastmigra, migra
from schemadiff.inspect.scope import Scope

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SOURCES = sorted(
    [p for kind in ("convergence", "diff") for p in (FIXTURES / kind).glob("*/[ab].sql")
     if p.read_text().strip()]  # an empty side (a new schema's "before") has nothing to see
    + [ROOT / "schema.sql"]
)


def _scope(server, dbname: str) -> Scope:
    """Every schema in the database (the shim's platform schemas included)."""
    names = query(server, "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' "
                          "AND nspname <> 'information_schema'", dbname)
    return Scope(tuple(sorted(name for (name,) in names)))


def _stock(server, dbname: str, scope: Scope):
    # NullPool: a pooled connection would keep the database busy for DROP.
    with S(server.url(dbname), poolclass=NullPool) as session:
        # The session setting ours inspects under (inspect/migra.py: names qualified).
        session.execute(text("SELECT set_config('search_path', 'pg_catalog', false)"))
        return migra.restrict(get_inspector(session), scope)


def _ours(server, dbname: str, scope: Scope):
    return migra.inspect(lambda: server.connect(dbname), scope)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_plain_cursor_inspection_matches_sqlalchemy(server, fresh_db, source):
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
    assert migra.same(stock, ours) and migra.same(ours, stock)
    assert _raw_migra(stock, ours) == [] and _raw_migra(ours, stock) == []


def _raw_migra(a_model, b_model) -> list[str]:
    """Stock migra's statements, without diff.statements' shortcut for equal models."""
    migration = Migration(a_model, b_model)
    migration.set_safety(False)
    migration.add_all_changes(privileges=True)
    return [s for s in migration.statements if s.strip()]


PAIRS = sorted(p for kind in ("convergence", "diff") for p in (FIXTURES / kind).iterdir()
               if p.is_dir())


# Cases whose models differ in what migra writes no statement for (repair writes it).
SEEN_NOT_WRITTEN = {
    "part_not_null_partition": "a partition's own NOT NULL: migra never alters a partition",
    "part_partition_rls": "a partition's row level security: migra never alters a partition",
    "part_key_change_referenced": "a new partition key and bound: migra never alters a "
                                  "partitioned table or a partition",
}


@pytest.mark.parametrize("case", PAIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_agrees_with_migra(server, fresh_db, case):
    dbs = {}
    for side in ("a", "b"):
        dbs[side] = fresh_db(side)
        if (case / f"{side}.sql").read_text().strip():
            apply_into(server, dbs[side], case / f"{side}.sql")
    # One scope for both sides: a schema only one side has is a difference to see.
    scope = Scope(tuple(sorted({*_scope(server, dbs["a"]).schemas,
                                     *_scope(server, dbs["b"]).schemas})))
    a, b = (_ours(server, dbs[side], scope) for side in ("a", "b"))
    for left, right in ((a, b), (b, a)):
        if case.name in SEEN_NOT_WRITTEN:
            assert not migra.same(left, right) and _raw_migra(left, right) == []
        else:
            assert migra.same(left, right) is (_raw_migra(left, right) == [])
    assert migra.same(a, a) and _raw_migra(a, a) == []
    # The one-pass `differences` migra runs with gives what migra's own gives.
    for prop in PROPS.split():
        for left, right in ((a, b), (b, a)):
            ours = fastmigra.differences(getattr(left, prop), getattr(right, prop))
            theirs = original_differences(getattr(left, prop), getattr(right, prop))
            assert [[(k, id(v)) for k, v in d.items()] for d in ours] == \
                [[(k, id(v)) for k, v in d.items()] for d in theirs], prop
