"""The catalog judge and inheritance: whether a child declares an inherited column itself
(attislocal) is part of the schema (pg_dump writes the child's CREATE TABLE by it, and the
column outlives the parent's DROP COLUMN only when it is declared); partitions' columns
are not compared by it."""

from __future__ import annotations

import pytest

from schemadiff.inspect.catalog import snapshot
from schemadiff.proof.compare import compare_snapshots


def _judge(server, fresh_db, left: str, right: str):
    snaps = []
    for text in (left, right):
        name = fresh_db("inh")
        conn = server.connect(name, autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(text)
            snaps.append(snapshot(conn, ["public"]))
        finally:
            conn.close()
    return compare_snapshots(*snaps)


def test_a_child_declaring_an_inherited_column_differs_from_one_that_does_not(server,
                                                                            fresh_db):
    verdict = _judge(server, fresh_db,
                     "create table p (a int, b text); create table c () inherits (p);",
                     "create table p (a int, b text); create table c (b text) inherits (p);")
    assert {d.identity for d in verdict.differences} == {"column public.c.b"}, str(verdict)
    assert "(inherited, declared by the child too)" in str(verdict)


@pytest.mark.parametrize("right", [
    # ATTACH PARTITION leaves the columns declared; PARTITION OF does not: same partition.
    pytest.param("create table m (d date) partition by range (d); create table m1 (d date);"
                 " alter table m attach partition m1 for values from ('2024-01-01')"
                 " to ('2025-01-01');", id="attached"),
])
def test_a_partition_is_the_same_however_it_was_made(server, fresh_db, right):
    verdict = _judge(server, fresh_db,
                     "create table m (d date) partition by range (d); create table m1"
                     " partition of m for values from ('2024-01-01') to ('2025-01-01');",
                     right)
    assert verdict.equal, str(verdict)
