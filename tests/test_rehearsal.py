"""Issue 15: migrations and rollbacks meet rows before they are written.

Each scenario of the issue runs against a database holding rows written here by hand,
the way a user's database holds them (never by the tool's own sample generator, except
where the sample generator itself is what is tested).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cliproject import copy_fluxa
from pgquery import rows as _rows
from pgquery import run_sql as _exec
from schemadiff.data.samples import populate
from schemadiff.diff.effects import data_dependent
from schemadiff.errors import SQLInputError
from schemadiff.inspect.scope import Scope
from schemadiff.proof.rehearse import rehearse

REPO = Path(__file__).resolve().parent.parent
FLUXA = "20250115000000_content_ingestion_system"
FLUXA_ROLLBACK = REPO / "supabase" / "rollbacks" / f"{FLUXA}.sql"
FLUXA_MIGRATION = REPO / "supabase" / "migrations" / f"{FLUXA}.sql"


# --- 1. data-dependent statements: what users' rows break, sample rows break too ------

TABLE = "CREATE TABLE public.t (id int PRIMARY KEY, code text, n int);\n"
# A user's rows: a NULL code, a duplicate code, a negative n, text that is not a number.
USER_ROWS = ("INSERT INTO public.t VALUES (1, 'abc', NULL), (2, 'abc', 5), (3, NULL, -1);\n")

SCENARIOS = {
    # name: (statement, what data_dependent says, whether generated rows break it too)
    "not_null_column_without_default": (
        "ALTER TABLE public.t ADD COLUMN c int NOT NULL", "adds NOT NULL column c", True),
    "set_not_null_over_nulls": (
        "ALTER TABLE public.t ALTER COLUMN code SET NOT NULL", "sets NOT NULL on code", True),
    "unique_over_duplicates": (
        "ALTER TABLE public.t ADD CONSTRAINT t_code_key UNIQUE (code)", "adds a UNIQUE", True),
    # A CHECK is arbitrary: generated rows cannot be made to break every one, so it is
    # refused by nature.
    "check_broken_by_rows": (
        "ALTER TABLE public.t ADD CONSTRAINT t_n_check CHECK (n >= 0)", "adds a CHECK", False),
    "text_to_integer_over_words": (
        "ALTER TABLE public.t ALTER COLUMN code TYPE integer USING code::integer",
        "changes the type of code", True),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_data_dependent_statement_fails_on_user_rows_and_is_named(name, server, fresh_db):
    statement, what, samples_break = SCENARIOS[name]
    users = fresh_db("users")
    _exec(server, users, TABLE + USER_ROWS)
    with pytest.raises(SQLInputError):  # what production would do
        _exec(server, users, statement)
    found = data_dependent([statement])
    assert [(f.table, what in f.what) for f in found] == [("public.t", True)]
    assert found[0].way_forward
    if samples_break:  # the rehearsal fails as production would
        sampled = fresh_db("sampled")
        _exec(server, sampled, TABLE)
        conn = server.connect(sampled)
        try:
            populate(conn, ("public",), (), [])
        finally:
            conn.close()
        with pytest.raises(SQLInputError):
            _exec(server, sampled, statement)


def test_statements_on_tables_the_migration_creates_do_not_depend_on_data():
    assert data_dependent([
        'CREATE TABLE "public"."n" (id int, code text);',
        'ALTER TABLE "public"."n" ADD CONSTRAINT n_code_key UNIQUE (code);',
        'ALTER TABLE "public"."n" ALTER COLUMN code SET NOT NULL;',
        'ALTER TABLE "public"."t" ADD CONSTRAINT t_n_check CHECK (n > 0) NOT VALID;',
    ]) == []


# --- sample rows -------------------------------------------------------------------


def test_sample_rows_hold_nulls_repeats_edges_and_respect_keys(server, fresh_db):
    db = fresh_db("samples")
    _exec(server, db, """
        CREATE TYPE public.mood AS ENUM ('calm', 'busy');
        CREATE TABLE public.parent (id uuid PRIMARY KEY, label text NOT NULL UNIQUE);
        CREATE TABLE public.child (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            parent_id uuid NOT NULL REFERENCES public.parent (id),
            note text, mood public.mood, at timestamptz,
            starts timestamptz NOT NULL, ends timestamptz NOT NULL, CHECK (ends > starts));
        CREATE TABLE public.never (id int PRIMARY KEY, CHECK (id < 0 AND id > 0));
    """)
    conn = server.connect(db)
    try:
        result = populate(conn, ("public",), (), [])
    finally:
        conn.close()
    assert list(result.skipped) == ["public.never"]
    assert "never_check" in result.skipped["public.never"] or "check" in \
        result.skipped["public.never"]
    rows = _rows(server, db, "SELECT note, mood::text, at, parent_id, "
                             "extract(hour FROM at AT TIME ZONE 'UTC') FROM public.child "
                             "ORDER BY id")
    assert len(rows) == 3
    assert rows[0][:3] == (None, None, None)  # NULL in every nullable column
    assert rows[1][:4] == rows[2][:4]  # non-unique columns repeat
    assert not rows[1][0].strip().lstrip("-").isdigit()  # text that is not a number
    assert rows[1][4] != 0  # a time of day
    assert len(_rows(server, db, "SELECT DISTINCT label FROM public.parent")) == 3


# --- 2. the rehearsal: rows survive unless the change declares their loss -----------


def test_rehearsal_reports_rows_lost_without_declaration(server, databases, fresh_db):
    current = fresh_db("current")
    _exec(server, current, TABLE)
    scope = Scope(("public",))
    bad = rehearse(server, databases, current, scope,
                   ("up.sql", "ALTER TABLE public.t ADD COLUMN x int;"),
                   ("down.sql", "DELETE FROM public.t WHERE n IS NULL; "
                                "ALTER TABLE public.t DROP COLUMN x;"),
                   ["ALTER TABLE public.t ADD COLUMN x int;"],
                   ["DELETE FROM public.t WHERE n IS NULL;",
                    "ALTER TABLE public.t DROP COLUMN x;"], [])
    assert bad.failure is None
    assert bad.seeded == {"public.t": 3}
    assert [line for line in bad.lost if "row gone after the rollback" in line]
    assert not bad.ok


def test_rehearsal_accepts_a_declared_loss(server, databases, fresh_db):
    current = fresh_db("current")
    _exec(server, current, TABLE)
    good = rehearse(server, databases, current, Scope(("public",)),
                    ("up.sql", "ALTER TABLE public.t DROP COLUMN code;"),
                    ("down.sql", "ALTER TABLE public.t ADD COLUMN code text;"),
                    ["ALTER TABLE public.t DROP COLUMN code;"],
                    ["ALTER TABLE public.t ADD COLUMN code text;"], [])
    assert good.ok, good.lost
    assert good.touched == {"public.t": 3}
    assert any("drops column public.t.code" in d for d in good.declared)


# --- the CLI: refusal with exit 3, acknowledgement, report --------------------------


@pytest.fixture
def small(tmp_path: Path, cli):
    """A project with one released migration creating public.t, and a seed.sql of a user."""
    (tmp_path / "pyproject.toml").write_text('[tool.schemadiff]\nschemas = ["public"]\n')
    (tmp_path / "schema.sql").write_text(TABLE)
    run = cli(tmp_path)
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    (tmp_path / "supabase" / "seed.sql").write_text(USER_ROWS)
    return tmp_path, run


def test_diff_refuses_set_not_null_with_exit_3_naming_table_and_way_forward(small):
    project, run = small
    (project / "schema.sql").write_text(TABLE.replace("code text", "code text NOT NULL"))
    refused = run("diff", "code_required")
    assert refused.exit_code == 3, refused.output
    assert "public.t: sets NOT NULL on code" in refused.output
    assert "way forward" in refused.output and "--allow-data-dependent" in refused.output
    assert len(list((project / "supabase/migrations").glob("*.sql"))) == 1
    allowed = run("diff", "code_required", "--allow-data-dependent")
    assert allowed.exit_code == 0, allowed.output
    assert "Rehearsed on rows" in allowed.output
    assert "seed files: " in allowed.output
    assert "failed on rows (acknowledged)" in allowed.output
    assert "contains null values" in allowed.output


def test_rehearsal_refuses_what_no_rule_names(small):
    """An expression index casting text to integer: no rule knows it depends on data; the
    user's seed row 'abc' makes it fail in the rehearsal."""
    project, run = small
    index = "CREATE INDEX t_code_number_idx ON public.t ((code::integer));\n"
    assert data_dependent([index]) == []
    (project / "schema.sql").write_text(TABLE + index)
    refused = run("diff", "code_index")
    assert refused.exit_code == 3, refused.output
    assert "fails on a database holding rows" in refused.output
    assert 'invalid input syntax for type integer: "abc"' in refused.output


def test_diff_reports_the_rehearsal_and_a_lossy_rollback(small):
    project, run = small
    (project / "schema.sql").write_text(TABLE + "CREATE TABLE public.extra (id int PRIMARY KEY);\n")
    result = run("diff", "extra", "--json")
    assert result.exit_code == 0, result.output
    import json
    payload = json.loads(result.output[result.output.index("{"):])
    assert payload["rehearsal"]["seeded"]["public.t"] == 6  # 3 from seed.sql, 3 generated
    assert payload["rehearsal"]["seed_files"]
    assert payload["rehearsal"]["before_rollback"]["public.extra"] == 3
    assert payload["lossy"] == ["the rollback drops table public.extra with its rows"]
    rollback = next((project / "supabase/rollbacks").glob("*_extra.sql")).read_text()
    assert "-- schemadiff: lossy rollback" in rollback
    assert "drops table public.extra with its rows" in rollback


# --- 4. reference data never destroys what the migration did not write --------------


@pytest.fixture
def fluxa(tmp_path: Path, cli):
    """A copy of this repository's Fluxa project, and the CLI on it."""
    return copy_fluxa(tmp_path), cli(tmp_path)


def _fluxa_db(server, databases, project: Path) -> str:
    """A database at the released migrations (this repository's), as production is."""
    db = databases.create("prod")
    for path in sorted((REPO / "supabase" / "migrations").glob("*.sql")):
        _exec(server, db, path.read_text())
    return db


def _new_files(project: Path, suffix: str) -> tuple[str, str]:
    migration = next((project / "supabase/migrations").glob(f"*_{suffix}.sql"))
    rollback = project / "supabase/rollbacks" / migration.name
    return migration.read_text(), rollback.read_text()


ADMIN_ITEMS = """
INSERT INTO public.content_items (id, source_id, content_hash, title)
SELECT ('00000000-0000-0000-0000-00000000000' || g)::uuid,
       (SELECT id FROM public.content_sources WHERE source_key = 'newsapi'),
       'hash-' || g, 'Item ' || g
  FROM generate_series(1, 6) AS g;
"""


def test_seed_row_an_admin_created_first_survives_the_rollback(fluxa, server, databases):
    project, run = fluxa
    schema = project / "schema.sql"
    text = schema.read_text()
    anchor = "('World', 'world',"
    assert anchor in text
    schema.write_text(text.replace(anchor, "('Climate', 'climate', 'Climate news'),\n    "
                                   + anchor, 1))
    result = run("diff", "climate")
    assert result.exit_code == 0, result.output
    up, down = _new_files(project, "climate")
    prod = databases.create("prod", template=_fluxa_db(server, databases, project))
    # An admin made the category first, with other words, and filed 6 items under it.
    _exec(server, prod, ADMIN_ITEMS + """
        INSERT INTO public.content_categories (name, slug, description)
        VALUES ('Climate & Energy', 'climate', 'made by an admin');
        INSERT INTO public.content_item_categories (content_item_id, category_id)
        SELECT i.id, (SELECT id FROM public.content_categories WHERE slug = 'climate')
          FROM public.content_items i;
    """)
    _exec(server, prod, up)
    _exec(server, prod, down)
    assert _rows(server, prod, "SELECT name FROM public.content_categories "
                               "WHERE slug = 'climate'") == [("Climate & Energy",)]
    assert _rows(server, prod, "SELECT count(*) FROM public.content_item_categories") == [(6,)]
    # On a database without the admin's row, the rollback removes what the migration added.
    clean = databases.create("clean", template=_fluxa_db(server, databases, project))
    _exec(server, clean, up)
    assert _rows(server, clean, "SELECT count(*) FROM public.content_categories "
                                "WHERE slug = 'climate'") == [(1,)]
    _exec(server, clean, down)
    assert _rows(server, clean, "SELECT count(*) FROM public.content_categories "
                                "WHERE slug = 'climate'") == [(0,)]


def test_seed_value_an_admin_changed_is_neither_overwritten_nor_reverted(fluxa, server,
                                                                         databases):
    project, run = fluxa
    schema = project / "schema.sql"
    text = schema.read_text()
    old = "('ingestion.max_items_per_run', '100'"
    assert old in text
    schema.write_text(text.replace(old, "('ingestion.max_items_per_run', '200'"))
    result = run("diff", "more_items")
    assert result.exit_code == 0, result.output
    up, down = _new_files(project, "more_items")
    query = ("SELECT config_value::text FROM public.content_config "
             "WHERE config_key = 'ingestion.max_items_per_run'")
    prod = _fluxa_db(server, databases, project)
    _exec(server, prod, "UPDATE public.content_config SET config_value = '250' "
                        "WHERE config_key = 'ingestion.max_items_per_run';")
    _exec(server, prod, up)
    assert _rows(server, prod, query) == [("250",)]
    _exec(server, prod, down)
    assert _rows(server, prod, query) == [("250",)]
    untouched = _fluxa_db(server, databases, project)
    _exec(server, untouched, up)
    assert _rows(server, untouched, query) == [("200",)]
    _exec(server, untouched, down)
    assert _rows(server, untouched, query) == [("100",)]


def test_removing_a_linked_seed_category_names_the_cascade(fluxa):
    project, run = fluxa
    schema = project / "schema.sql"
    lines = schema.read_text().splitlines(keepends=True)
    kept = [line for line in lines if "('Health', 'health'," not in line]
    assert len(kept) == len(lines) - 1
    schema.write_text("".join(kept))
    refused = run("diff", "no_world")
    assert refused.exit_code == 3, refused.output
    assert "DELETE FROM public.content_categories WHERE slug = 'health'" in refused.output
    assert ("ON DELETE CASCADE: deleting it also deletes the rows of "
            "public.content_item_categories") in refused.output


# --- 5. the released Fluxa rollback, and regenerating it ----------------------------

POPULATED = ADMIN_ITEMS + """
INSERT INTO auth.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'reader@example.com');
INSERT INTO public.user_content_seen (user_id, content_item_id)
SELECT '11111111-1111-1111-1111-111111111111', id FROM public.content_items;
INSERT INTO public.content_item_categories (content_item_id, category_id)
SELECT i.id, (SELECT id FROM public.content_categories WHERE slug = 'world')
  FROM public.content_items i;
INSERT INTO public.content_runs (source_id, status, items_fetched)
SELECT id, 'completed', 6 FROM public.content_sources WHERE source_key = 'newsapi';
INSERT INTO public.api_usage_budget (source_id, period_start, period_end, budget_limit)
SELECT id, '2025-01-01 00:00+00', '2025-02-01 00:00+00', 1000
  FROM public.content_sources WHERE source_key = 'guardian';
"""


def _populated_at_first_migration(server, fresh_db) -> str:
    db = fresh_db("fluxa")
    _exec(server, db, FLUXA_MIGRATION.read_text())
    _exec(server, db, POPULATED)
    return db


def test_released_fluxa_rollback_applies_to_a_database_holding_content_users_budgets(
        server, fresh_db):
    db = _populated_at_first_migration(server, fresh_db)
    assert _rows(server, db, "SELECT count(*) FROM public.user_content_seen") == [(6,)]
    _exec(server, db, FLUXA_ROLLBACK.read_text())
    assert _rows(server, db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                             "AND tablename LIKE 'content\\_%'") == [(0,)]
    assert _rows(server, db, "SELECT email FROM auth.users") == [("reader@example.com",)]


OLD_ROLLBACK = """-- hand-written, as the plan had it: seed rows deleted before the tables
DELETE FROM public.content_sources WHERE source_key = 'newsapi';
DROP TABLE public.api_usage_budget, public.content_config, public.content_item_categories,
  public.content_runs, public.user_content_seen, public.content_categories,
  public.content_items, public.content_sources;
"""


def test_rollback_command_regenerates_a_released_rollback_and_its_checksum(fluxa, server,
                                                                           fresh_db):
    project, run = fluxa
    rollback = project / "supabase" / "rollbacks" / f"{FLUXA}.sql"
    sums = project / "supabase" / "schemadiff.sum"
    rollback.write_text(OLD_ROLLBACK)
    old_sum = hashlib.sha256(OLD_ROLLBACK.encode()).hexdigest()
    lines = [f"{old_sum}  rollbacks/{FLUXA}.sql" if line.endswith(f"rollbacks/{FLUXA}.sql")
             else line for line in sums.read_text().splitlines()]
    sums.write_text("\n".join(lines) + "\n")
    db = _populated_at_first_migration(server, fresh_db)
    with pytest.raises(SQLInputError, match="violates foreign key constraint"):
        _exec(server, db, OLD_ROLLBACK)  # the failure
    migration_before = (project / "supabase/migrations" / f"{FLUXA}.sql").read_bytes()

    result = run("rollback", "20250115000000")
    assert result.exit_code == 0, result.output
    new = rollback.read_text()
    assert "DELETE" not in new and "-- schemadiff: lossy rollback" in new
    assert (project / "supabase/migrations" / f"{FLUXA}.sql").read_bytes() == migration_before
    recorded = hashlib.sha256(new.encode()).hexdigest()
    assert f"{recorded}  rollbacks/{FLUXA}.sql" in sums.read_text()
    assert run("check").exit_code == 0  # checksums hold
    _exec(server, db, new)
    assert _rows(server, db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                             "AND tablename = 'content_items'") == [(0,)]


# --- the backfill hint --------------------------------------------------------------


def test_backfill_hint_runs_before_set_not_null_and_the_change_is_written(small, server,
                                                                          fresh_db):
    project, run = small
    (project / "schema.sql").write_text(
        "CREATE TABLE public.t (id int PRIMARY KEY,\n"
        "    -- schemadiff: backfill UPDATE public.t SET code = 'none' WHERE code IS NULL\n"
        "    code text NOT NULL, n int);\n")
    result = run("diff", "code_required")
    assert result.exit_code == 0, result.output
    assert "backfill rewrites public.t.code" in result.output
    up, down = _new_files(project, "code_required")
    assert up.index("UPDATE public.t SET code = 'none'") < up.index("set not null")
    assert "-- schemadiff: lossy rollback" in down
    users = fresh_db("users")  # a user's database at the released migration
    _exec(server, users, next((project / "supabase/migrations").glob("*_init.sql")).read_text())
    _exec(server, users, USER_ROWS)
    _exec(server, users, up)
    assert _rows(server, users, "SELECT id, code FROM public.t ORDER BY id") == [
        (1, "abc"), (2, "abc"), (3, "none")]
    _exec(server, users, down)


def test_backfill_hint_not_before_a_column_is_an_error_at_its_line(small):
    project, run = small
    (project / "schema.sql").write_text(
        "-- schemadiff: backfill UPDATE public.t SET code = 'x'\n" + TABLE)
    result = run("diff", "misplaced")
    assert result.exit_code == 5, result.output
    assert "schema.sql:1:1: a backfill hint must stand on the line before a column" in \
        result.output
