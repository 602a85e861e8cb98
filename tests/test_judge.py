"""The catalog judge and the supplement: per kind migra can't see, a fixture where migra says
"equal", the judge says "different", and migra + supplement converge under both judges.

Each folder in fixtures/judge/ holds a.sql, b.sql and judge.txt: the identities the judge
must report as different (written by hand from the SQL, one per line).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from migra import Migration
from sqlalchemy.pool import NullPool
from sqlbag import S

from schemadiff.apply import apply_file
from schemadiff.diff.supplement import supplement
from schemadiff.inspect.catalog import snapshot
from schemadiff.inspect.catalog_model import quote_ident, quote_literal
from schemadiff.proof.compare import compare_snapshots as compare

FIXTURES = Path(__file__).parent / "fixtures" / "judge"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
# Cases where migra does see something (it still must converge with the supplement).
MIGRA_SEES = {"index_name", "policy_expression", "new_objects", "table_grant_edge",
              "view_recreated", "owners", "identity_options"}
SCHEMAS = ("public",)


def migra_statements(server, db_from: str, db_to: str) -> list[str]:
    """migra's statements from db_from to db_to, table grants included."""
    # NullPool: a pooled connection would keep the database busy for DROP/TEMPLATE.
    with S(server.url(db_from), poolclass=NullPool) as s_from, \
            S(server.url(db_to), poolclass=NullPool) as s_to:
        m = Migration(s_from, s_to, schema="public")
        m.set_safety(False)
        m.add_all_changes(privileges=True)
        # migra quotes the PUBLIC pseudo-role as if it were a role named "PUBLIC".
        return [s.replace(' "PUBLIC";', " PUBLIC;") for s in m.statements]


def take(server, db: str):
    conn = server.connect(db)
    try:
        return snapshot(conn, SCHEMAS)
    finally:
        conn.close()


def run(server, db: str, statements: list[str]) -> None:
    """Run statements in one transaction, as a migration file would be."""
    conn = server.connect(db, autocommit=False)
    try:
        with conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def load(server, fresh_db, case: str) -> tuple[str, str]:
    names = []
    for side in ("a", "b"):
        name = fresh_db(side)
        conn = server.connect(name, autocommit=False)
        try:
            apply_file(conn, FIXTURES / case / f"{side}.sql")
        finally:
            conn.close()
        names.append(name)
    return names[0], names[1]


def assert_converges(server, databases, fresh_db, a: str, b: str) -> None:
    """Clone a; migra + supplement.up must reach b under both judges; then back down to a."""
    snap_a, snap_b = take(server, a), take(server, b)
    up_ddl, down_ddl = migra_statements(server, a, b), migra_statements(server, b, a)
    extra = supplement(snap_a, snap_b)
    work = databases.create("work", template=a)
    try:
        run(server, work, up_ddl + extra.up)
        after_up = compare(take(server, work), snap_b)
        assert after_up.equal, f"up did not reach b:\n{after_up}\nsupplement: {extra.up}"
        assert migra_statements(server, work, b) == []
        run(server, work, down_ddl + extra.down)
        after_down = compare(take(server, work), snap_a)
        assert after_down.equal, f"down did not reach a:\n{after_down}\nsupplement: {extra.down}"
        assert migra_statements(server, work, a) == []
    finally:
        databases.drop(work)


@pytest.mark.parametrize("case", CASES)
def test_fixture_round_trip(case, server, databases, fresh_db):
    a, b = load(server, fresh_db, case)
    emitted = migra_statements(server, a, b) + migra_statements(server, b, a)
    if case in MIGRA_SEES:
        assert emitted, f"{case}: migra now sees this case; move it out of MIGRA_SEES"
    else:
        assert emitted == [], f"{case}: migra is not blind here: {emitted}"
    comparison = compare(take(server, a), take(server, b))
    expected = (FIXTURES / case / "judge.txt").read_text("utf-8").splitlines()
    reported = {d.identity for d in comparison.differences}
    assert set(expected) <= reported, f"judge missed {set(expected) - reported}:\n{comparison}"
    assert comparison.equal == (not expected)
    assert_converges(server, databases, fresh_db, a, b)


def test_column_order_is_a_note_not_a_difference(server, fresh_db):
    a, b = load(server, fresh_db, "column_order")
    comparison = compare(take(server, a), take(server, b))
    assert comparison.equal
    assert len(comparison.notes) == 1
    assert "table public.posts" in comparison.notes[0]
    assert "id, title, summary" in comparison.notes[0]
    assert "id, summary, title" in comparison.notes[0]


def test_difference_names_the_object_and_shows_both_sides(server, fresh_db):
    a, b = load(server, fresh_db, "comment_column")
    comparison = compare(take(server, a), take(server, b))
    text = str(next(d for d in comparison.differences
                    if d.identity == "comment column public.articles.title"))
    assert "comment column public.articles.title" in text
    assert "old wording" in text
    assert "it's never trimmed" in text
    added = next(d for d in comparison.differences if d.left is None)
    assert "only on the right" in str(added)


def test_extension_members_and_unmanaged_objects_are_left_out(server, fresh_db):
    db = fresh_db("ext")
    run(server, db, [
        "CREATE EXTENSION citext SCHEMA public",
        "CREATE TABLE public.gists (id int PRIMARY KEY, body text)",
        "CREATE INDEX gists_body_idx ON public.gists (body)",
        "COMMENT ON TABLE public.gists IS 'not ours'",
        "CREATE TABLE public.mine (email public.citext)",
    ])
    conn = server.connect(db)
    try:
        snap = snapshot(conn, SCHEMAS, unmanaged=["public.gists"])
    finally:
        conn.close()
    assert "extension citext" in snap.objects
    assert "column public.mine.email" in snap.objects
    assert not [i for i in snap.objects if "citext(" in i or "type public.citext" in i]
    assert not [i for i in snap.objects if "gists" in i]


def test_snapshot_restores_the_search_path(server, fresh_db):
    conn = server.connect(fresh_db("path"))
    try:
        with conn.cursor() as cur:
            cur.execute("SET search_path = public, extensions")
            snapshot(conn, SCHEMAS)
            cur.execute("SHOW search_path")
            assert cur.fetchone()[0] == "public, extensions"
    finally:
        conn.close()


def test_snapshot_of_a_hundred_tables_is_fast(server, fresh_db):
    db = fresh_db("wide")
    statements = []
    for i in range(100):
        statements += [
            f"CREATE TABLE public.t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
            f"name text NOT NULL DEFAULT '', ref bigint, created timestamptz DEFAULT now())",
            f"CREATE INDEX t{i}_name_idx ON public.t{i} (name)",
            f"COMMENT ON TABLE public.t{i} IS 'table {i}'",
            f"ALTER TABLE public.t{i} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY p{i} ON public.t{i} FOR SELECT USING (ref IS NOT NULL)",
        ]
    run(server, db, statements)
    conn = server.connect(db)
    try:
        started = time.perf_counter()
        snap = snapshot(conn, SCHEMAS)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    assert len([i for i in snap.objects if i.startswith("table ")]) == 100
    # Measured ~0.1 s here; a query per object would take several seconds.
    assert elapsed < 2.0, f"snapshot of 100 tables took {elapsed:.2f} s"


def test_supplement_is_deterministic_and_empty_for_equal_snapshots(server, fresh_db):
    a, b = load(server, fresh_db, "new_objects")
    snap_a, snap_b = take(server, a), take(server, b)
    assert supplement(snap_a, snap_b) == supplement(take(server, a), take(server, b))
    same = supplement(snap_b, take(server, b))
    assert same.up == [] and same.down == []


def test_quoting_cannot_break_out():
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("back\\slash'") == "E'back\\\\slash'''"
    with pytest.raises(ValueError):
        quote_ident("nul\x00")


def test_judge_modules_do_not_use_migra():
    code = ("import sys, schemadiff.inspect.catalog, schemadiff.proof.compare, "
            "schemadiff.diff.supplement; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('migra', 'schemainspect', 'sqlbag')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent / "tools")
    assert out.stdout.strip() == "[]"
