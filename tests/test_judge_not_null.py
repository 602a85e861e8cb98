"""NOT NULL in the catalog judge: a property of the column (or domain), never a named object.

Postgres 18 stores a table's NOT NULL as a constraint whose name depends on history; the
judge must not see those names, yet must still see nullability and, on 18, NOT VALID and
NO INHERIT.
"""

from __future__ import annotations

import pytest

from schemadiff.inspect.catalog import snapshot
from schemadiff.proof.compare import CatalogVerdict as Comparison
from schemadiff.proof.compare import compare_snapshots as compare


def _make(server, fresh_db, sql: str) -> str:
    name = fresh_db("nn")
    conn = server.connect(name, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
    return name


def _judge(server, fresh_db, left: str, right: str) -> Comparison:
    snaps = []
    for sql in (left, right):
        conn = server.connect(_make(server, fresh_db, sql))
        try:
            snaps.append(snapshot(conn, ["public"]))
        finally:
            conn.close()
    return compare(*snaps)


def _reported(comparison: Comparison) -> set[str]:
    return {d.identity for d in comparison.differences}


@pytest.mark.parametrize(("left", "right"), [
    # Postgres 18 keeps the name t_a_not_null after the rename.
    pytest.param("create table t (a int not null); alter table t rename column a to b;",
                 "create table t (b int not null);", id="renamed-column"),
    # The child's constraint carries the parent's name, or keeps its own. (The child
    # declares the column itself on both sides: whether it does (attislocal) is compared.)
    pytest.param("create table p (a int not null); create table c (a int not null) inherits (p);",
                 "create table p (a int not null); create table c (a int not null);"
                 " alter table c inherit p;", id="inherited"),
    # An attached partition keeps its own name; one created PARTITION OF gets its own too.
    pytest.param("create table m (d date not null) partition by range (d);"
                 " create table m1 (d date not null);"
                 " alter table m attach partition m1"
                 " for values from ('2024-01-01') to ('2025-01-01');",
                 "create table m (d date not null) partition by range (d);"
                 " create table m1 partition of m"
                 " for values from ('2024-01-01') to ('2025-01-01');",
                 id="attached-partition"),
    # An explicit name is not compared either: the catalog can't tell it from a generated one.
    pytest.param("create table t (a int constraint a_is_required not null);",
                 "create table t (a int not null);", id="explicit-name"),
    pytest.param("create domain d as int constraint d_is_required not null;",
                 "create domain d as int not null;", id="domain-name"),
])
def test_not_null_constraint_names_are_not_differences(server, fresh_db, left, right):
    comparison = _judge(server, fresh_db, left, right)
    assert comparison.equal, str(comparison)


@pytest.mark.parametrize(("left", "right", "identity"), [
    pytest.param("create table t (a int not null);", "create table t (a int);",
                 "column public.t.a", id="column"),
    # The child is NOT NULL on both sides; only the parent's nullability differs.
    pytest.param("create table p (a int not null); create table c () inherits (p);",
                 "create table p (a int); create table c (a int not null) inherits (p);",
                 "column public.p.a", id="parent-column"),
    pytest.param("create domain d as int not null;", "create domain d as int;",
                 "domain public.d", id="domain"),
])
def test_nullability_is_still_a_difference(server, fresh_db, left, right, identity):
    comparison = _judge(server, fresh_db, left, right)
    assert identity in _reported(comparison), str(comparison)
    text = str(next(d for d in comparison.differences if d.identity == identity))
    assert "not null" in text


@pytest.mark.parametrize(("right", "word"), [
    pytest.param("create table t (a int); insert into t values (null);"
                 " alter table t add constraint a_nn not null a not valid;", "not valid",
                 id="not-valid"),
    pytest.param("create table t (a int not null no inherit);", "no inherit", id="no-inherit"),
])
def test_not_valid_and_no_inherit_are_differences(server, fresh_db, right, word):
    if server.version_num() < 180000:
        pytest.skip("NOT NULL constraints are NOT VALID or NO INHERIT from Postgres 18 on")
    comparison = _judge(server, fresh_db, "create table t (a int not null);", right)
    assert _reported(comparison) == {"column public.t.a"}, str(comparison)
    difference = comparison.differences[0]
    assert difference.right is not None and word in difference.right
    assert difference.left is not None and word not in difference.left
