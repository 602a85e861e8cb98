"""Reference data: which tables, which key, and row diffs that round-trip on real Postgres.

Each folder under fixtures/data is one case: a.sql is the current state, b.sql the
desired one, rows.sql the SELECTs (written independently of data.py) whose results
must match; ddl_up.sql / ddl_down.sql stand in for migra's DDL where a and b differ
in schema; pyproject.toml, when present, holds [tool.schemadiff] reference_tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg2.errors
import pytest

from schemadiff import config
from schemadiff.apply import apply_file, apply_sql
from schemadiff.data.declared import ReferenceTable, reference_tables, resolve_keys
from schemadiff.data.rows import RowChanges, compare_rows, diff_rows
from schemadiff.errors import SQLInputError, UsageError
from schemadiff.sources import SqlFile, read_sql, split_statements

FIXTURES = Path(__file__).parent / "fixtures" / "data"
REPO = Path(__file__).resolve().parent.parent
ROUND_TRIP_CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "rows.sql").is_file())


@dataclass
class Case:
    folder: Path
    current: str
    desired: str
    tables: list[ReferenceTable]
    changes: RowChanges


@pytest.fixture
def databases_made(databases):
    """Factory: a database cloned from `template` (default: the shim base), dropped after."""
    made: list[str] = []

    def make(label: str, template: str | None = None) -> str:
        made.append(databases.create(label, template=template))
        return made[-1]

    yield make
    for name in reversed(made):
        databases.drop(name)


def _load(server, dbname: str, path: Path) -> None:
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_file(conn, path)
    finally:
        conn.close()


def _configured(folder: Path) -> dict[str, tuple[str, ...]]:
    if not (folder / "pyproject.toml").is_file():
        return {}
    return config.load(folder).reference_tables


def _diff(server, current: str, desired: str, tables: list[ReferenceTable]) -> RowChanges:
    a = server.connect(current)
    b = server.connect(desired)
    try:
        return diff_rows(a, b, tables)
    finally:
        a.close()
        b.close()


def _compare(server, left: str, right: str, tables: list[ReferenceTable]) -> list[str]:
    a = server.connect(left)
    b = server.connect(right)
    try:
        return compare_rows(a, b, tables, labels=(left, right))
    finally:
        a.close()
        b.close()


@pytest.fixture
def load_case(server, databases_made):
    """Factory: the case's two databases, its resolved tables and its row changes."""

    def load(name: str) -> Case:
        folder = FIXTURES / name
        current = databases_made("cur")
        desired = databases_made("des")
        _load(server, current, folder / "a.sql")
        _load(server, desired, folder / "b.sql")
        declared = reference_tables(read_sql(folder / "b.sql"), _configured(folder))
        conn = server.connect(desired)
        try:
            tables = resolve_keys(conn, declared)
        finally:
            conn.close()
        return Case(folder, current, desired, tables, _diff(server, current, desired, tables))

    return load


def _rows(server, dbname: str, folder: Path) -> list[list[tuple]]:
    """The case's rows.sql results: the truth the round trip is judged by."""
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            results = []
            for statement in split_statements(read_sql(folder / "rows.sql")):
                try:
                    cur.execute(statement.text)
                except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedColumn):
                    results.append("no such table or column")
                else:
                    results.append(cur.fetchall())
            return results
    finally:
        conn.close()


def _run(server, dbname: str, deletes: list[str], ddl: Path, upserts: list[str]) -> None:
    """Apply deletes, the DDL stand-in (if any), then upserts, in one transaction."""
    parts = deletes + ([ddl.read_text()] if ddl.is_file() else []) + upserts
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path(f"{ddl.stem}.sql"), "\n".join(parts)))
    finally:
        conn.close()


# --- the round trip, every case ----------------------------------------------------


@pytest.mark.parametrize("name", ROUND_TRIP_CASES)
def test_round_trip(name, server, load_case, databases_made):
    """current + migration == desired rows; + rollback == current rows; nothing left to do."""
    case = load_case(name)
    before = _rows(server, case.current, case.folder)
    wanted = _rows(server, case.desired, case.folder)
    assert before != wanted, "the fixture's two states must differ"
    assert not case.changes.empty

    clone = databases_made("trip", template=case.current)
    _run(server, clone, case.changes.up_deletes, case.folder / "ddl_up.sql",
         case.changes.up_upserts)
    assert _rows(server, clone, case.folder) == wanted
    assert _compare(server, clone, case.desired, case.tables) == []
    assert _diff(server, clone, case.desired, case.tables).empty

    # The reference-data statements are idempotent: running them again changes nothing.
    _run(server, clone, case.changes.up_deletes, Path("no_ddl"), case.changes.up_upserts)
    assert _rows(server, clone, case.folder) == wanted

    _run(server, clone, case.changes.down_deletes, case.folder / "ddl_down.sql",
         case.changes.down_upserts)
    assert _rows(server, clone, case.folder) == before
    assert _compare(server, clone, case.current, case.tables) == []


# --- what the statements say, case by case -------------------------------------------


def test_first_seed_of_a_new_table(load_case):
    case = load_case("first_seed")
    assert [(t.qualified, t.columns, t.key) for t in case.tables] == [
        ("public.plans", ("code", "title", "seats"), ("code",))
    ]
    assert case.changes.up_upserts == [
        "INSERT INTO public.plans (code, title, seats) VALUES ('enterprise', 'Enterprise', NULL) "
        "ON CONFLICT (code) DO NOTHING;",
        "INSERT INTO public.plans (code, title, seats) VALUES ('free', 'Free', 1) "
        "ON CONFLICT (code) DO NOTHING;",
        "INSERT INTO public.plans (code, title, seats) VALUES ('team', 'Team', 10) "
        "ON CONFLICT (code) DO NOTHING;",
    ]
    assert case.changes.up_deletes == [] and case.changes.destructive == []
    # The rollback drops the table with its rows: no DELETE first, which would fail on
    # rows that point at them with ON DELETE RESTRICT (issue 15).
    assert case.changes.down_deletes == []
    assert case.changes.down_upserts == []


def test_add_row(load_case):
    changes = load_case("add_row").changes
    assert changes.up_upserts == [
        "INSERT INTO public.colours (slug, hex) VALUES ('blue', '#0000ff') "
        "ON CONFLICT (slug) DO NOTHING;"
    ]
    assert changes.up_deletes == []
    # Only while it still holds the declared value (an admin may have made it first).
    assert changes.down_deletes == [
        "DELETE FROM public.colours WHERE slug = 'blue' AND hex IS NOT DISTINCT FROM '#0000ff';"
    ]
    assert changes.down_upserts == []


def test_change_one_column_sets_only_that_column(load_case):
    changes = load_case("change_column").changes
    assert changes.up_upserts == [
        "INSERT INTO public.flags (name, enabled, rollout, note) "
        "VALUES ('beta_feed', false, '25.00'::numeric(5,2), 'internal only') "
        "ON CONFLICT (name) DO UPDATE SET rollout = EXCLUDED.rollout "
        "WHERE public.flags.rollout IS NOT DISTINCT FROM '12.50'::numeric(5,2);"
    ]
    assert changes.down_upserts == [
        "INSERT INTO public.flags (name, enabled, rollout, note) "
        "VALUES ('beta_feed', false, '12.50'::numeric(5,2), 'internal only') "
        "ON CONFLICT (name) DO UPDATE SET rollout = EXCLUDED.rollout "
        "WHERE public.flags.rollout IS NOT DISTINCT FROM '25.00'::numeric(5,2);"
    ]
    assert changes.up_deletes == changes.down_deletes == []


def test_removed_row_is_a_destructive_delete_restored_by_the_rollback(load_case):
    changes = load_case("remove_row").changes
    assert changes.up_deletes == ["DELETE FROM public.regions WHERE code = 'ap';"]
    assert changes.destructive == changes.up_deletes
    assert changes.up_upserts == []
    assert changes.down_upserts == [
        "INSERT INTO public.regions (code, name) VALUES ('ap', 'Asia Pacific') "
        "ON CONFLICT (code) DO NOTHING;"
    ]


def test_hard_values_are_typed_literals(load_case):
    changes = load_case("tricky_values").changes
    up = "\n".join(changes.up_upserts)
    # The same jsonb document with other key order and spacing is not a change.
    assert "same_json" not in up and "same_json" not in "\n".join(changes.down_upserts)
    assert "E'" not in up
    # One statement, one line: unprintable characters are U&'' escapes.
    assert all("\n" not in s for s in changes.up_upserts + changes.down_deletes)
    assert "U&'line1\\000D\\000Aline2 \\200D \\+0E0001 nbsp\\00A0end'" in up
    # jsonb as Postgres prints it (keys by length, then bytes), quote doubled.
    assert (
        "'{\"say\": \"it''s \\\"fine\\\"\", \"emoji\": \"🚀\", "
        "\"nested\": {\"list\": [1, 2.50, null, true]}}'::jsonb"
    ) in up
    assert "'it''s fine'::public.mood" in up
    assert "'99.99'::public.percent" in up
    assert "'élan✓'::character varying(8)" in up
    nulls = next(s for s in changes.up_upserts if "'nulls'" in s)
    assert "DO UPDATE SET label = EXCLUDED.label, doc = EXCLUDED.doc" in nulls
    assert changes.up_deletes == []


def test_reference_tables_referencing_each_other_go_in_key_order(load_case):
    case = load_case("fk_order")
    changes = case.changes
    assert [t.qualified for t in case.tables] == ["public.sections", "public.topics"]
    # Children's rows go first when deleting, parents' first when inserting.
    assert changes.up_deletes == [
        "DELETE FROM public.topics WHERE topic_key = 'archive';",
        "DELETE FROM public.sections WHERE slug = 'old';",
    ]
    assert changes.up_upserts == [
        "INSERT INTO public.sections (slug, title) VALUES ('science', 'Science') "
        "ON CONFLICT (slug) DO NOTHING;",
        # section_id differs between databases as a uuid; it is matched by the section's slug.
        "INSERT INTO public.topics (topic_key, section_id, label) VALUES ('football', "
        "(SELECT id FROM public.sections WHERE slug = 'sport'), 'Football') "
        "ON CONFLICT (topic_key) DO UPDATE SET section_id = EXCLUDED.section_id "
        "WHERE public.topics.section_id IS NOT DISTINCT FROM "
        "(SELECT id FROM public.sections WHERE slug = 'news');",
        "INSERT INTO public.topics (topic_key, section_id, label) VALUES ('space', "
        "(SELECT id FROM public.sections WHERE slug = 'science'), 'Space') "
        "ON CONFLICT (topic_key) DO NOTHING;",
    ]
    # Children first; each only while unchanged, a parent only while nothing points at it.
    assert changes.down_deletes == [
        "DELETE FROM public.topics WHERE topic_key = 'space' AND section_id IS NOT DISTINCT "
        "FROM (SELECT id FROM public.sections WHERE slug = 'science') "
        "AND label IS NOT DISTINCT FROM 'Space';",
        "DELETE FROM public.sections WHERE slug = 'science' AND title IS NOT DISTINCT FROM "
        "'Science' AND NOT EXISTS (SELECT FROM public.topics AS r "
        'WHERE r."section_id" = public.sections."id");',
    ]
    assert changes.down_upserts[0] == (
        "INSERT INTO public.sections (slug, title) VALUES ('old', 'Old stuff') "
        "ON CONFLICT (slug) DO NOTHING;"
    )
    assert len(changes.down_upserts) == 3


def test_table_without_usable_key_is_an_error_that_says_how_to_declare_one(server, fresh_db):
    path = FIXTURES / "no_key" / "b.sql"
    db = fresh_db("nokey")
    _load(server, db, path)
    conn = server.connect(db)
    try:
        with pytest.raises(UsageError) as raised:
            resolve_keys(conn, reference_tables(read_sql(path), {}))
    finally:
        conn.close()
    text = str(raised.value)
    assert "public.notices" in raised.value.message
    assert "notices_message_idx (message, id): id left to defaults" in text
    assert "[tool.schemadiff]" in text
    assert 'reference_tables = {"public.notices" = ["message"]}' in text


def test_acceptance_one_config_value_changes(load_case):
    """max_items_per_run 100 → 200: one statement updates that value; the rollback restores 100."""
    case = load_case("content_config")
    keys = {t.qualified: t.key for t in case.tables}
    assert keys == {
        "public.content_categories": ("slug",),
        "public.content_config": ("config_key",),
        "public.content_sources": ("source_key",),
    }
    categories = next(t for t in case.tables if t.name == "content_categories")
    assert "ON CONFLICT (slug)" in categories.key_origin
    changes = case.changes
    assert changes.up_deletes == changes.down_deletes == []
    assert changes.up_upserts == [
        "INSERT INTO public.content_config (config_key, config_value, description) VALUES "
        "('ingestion.max_items_per_run', '200'::jsonb, 'Maximum items to fetch per ingestion run') "
        "ON CONFLICT (config_key) DO UPDATE SET config_value = EXCLUDED.config_value "
        "WHERE public.content_config.config_value IS NOT DISTINCT FROM '100'::jsonb;"
    ]
    assert changes.down_upserts == [
        "INSERT INTO public.content_config (config_key, config_value, description) VALUES "
        "('ingestion.max_items_per_run', '100'::jsonb, 'Maximum items to fetch per ingestion run') "
        "ON CONFLICT (config_key) DO UPDATE SET config_value = EXCLUDED.config_value "
        "WHERE public.content_config.config_value IS NOT DISTINCT FROM '200'::jsonb;"
    ]


def test_new_column_values_are_written_to_existing_rows(load_case):
    changes = load_case("new_column").changes
    # Existing rows get the declared value even when it equals the column default:
    # the current state has no value to compare with.
    assert changes.up_upserts == [
        "INSERT INTO public.priorities (code, label, weight) VALUES ('high', 'High', 10) "
        "ON CONFLICT (code) DO UPDATE SET weight = EXCLUDED.weight;",
        "INSERT INTO public.priorities (code, label, weight) VALUES ('low', 'Low', 1) "
        "ON CONFLICT (code) DO UPDATE SET weight = EXCLUDED.weight;",
        "INSERT INTO public.priorities (code, label, weight) VALUES ('urgent', 'Urgent', 100) "
        "ON CONFLICT (code) DO NOTHING;",
    ]
    assert changes.down_upserts == []  # the rollback drops the column


def test_rollback_to_a_state_without_the_unique_key_avoids_on_conflict(load_case):
    changes = load_case("constraint_added").changes
    assert all("ON CONFLICT" in s for s in changes.up_upserts)
    assert changes.down_upserts == [
        "INSERT INTO public.units (code, label) SELECT 'lb', 'Pound' "
        "WHERE NOT EXISTS (SELECT FROM public.units WHERE code = 'lb');",
        "UPDATE public.units SET label = 'metre' WHERE code = 'm' "
        "AND label IS NOT DISTINCT FROM 'Metre';",
    ]


def test_configured_keys_and_configured_only_tables(load_case):
    case = load_case("configured_key")
    assert [(t.qualified, t.columns, t.key, t.key_origin) for t in case.tables] == [
        ("public.levels", ("rank", "title"), ("rank",), "configured in pyproject.toml"),
        ("public.settings", ("name", "value"), ("name",), "configured in pyproject.toml"),
    ]
    # No unique index on the key: UPDATE and INSERT ... WHERE NOT EXISTS instead.
    assert case.changes.up_upserts[:2] == [
        "INSERT INTO public.levels (rank, title) SELECT 4, 'Level 4' "
        "WHERE NOT EXISTS (SELECT FROM public.levels WHERE rank = 4);",
        "INSERT INTO public.levels (rank, title) SELECT 5, 'Level 5' "
        "WHERE NOT EXISTS (SELECT FROM public.levels WHERE rank = 5);",
    ]
    assert "WHERE rank = 11);" in case.changes.up_upserts[7]  # numbers sort as numbers
    assert "UPDATE public.settings SET value = 'light' WHERE name = 'theme' AND value IS NOT " \
        "DISTINCT FROM 'dark';" in (
        case.changes.up_upserts
    )
    assert case.changes.destructive == ["DELETE FROM public.settings WHERE name = 'lang';"]


def test_identifiers_are_quoted_by_postgres_and_values_cannot_inject(load_case):
    changes = load_case("odd_names").changes
    assert changes.up_upserts[0].startswith(
        'INSERT INTO "odd schema"."Tab""le; --" ("Key", "a b", "select") VALUES '
    )
    assert changes.up_upserts[1].endswith(
        'ON CONFLICT ("Key") DO UPDATE SET "a b" = EXCLUDED."a b" '
        'WHERE "odd schema"."Tab""le; --"."a b" IS NOT DISTINCT FROM \'one\';'
    )


def test_identity_always_key_is_written_with_overriding_system_value(load_case):
    changes = load_case("identity_key").changes
    assert changes.up_upserts == [
        "INSERT INTO public.statuses (id, label) OVERRIDING SYSTEM VALUE VALUES (2, 'done') "
        "ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label "
        "WHERE public.statuses.label IS NOT DISTINCT FROM 'closed';",
        "INSERT INTO public.statuses (id, label) OVERRIDING SYSTEM VALUE VALUES (3, 'archived') "
        "ON CONFLICT (id) DO NOTHING;",
    ]


def test_compare_rows_names_table_key_column_and_both_values(load_case, server):
    case = load_case("content_config")
    assert _compare(server, case.current, case.desired, case.tables) == [
        "public.content_config (config_key = 'ingestion.max_items_per_run'): config_value is "
        f"'100'::jsonb in {case.current}, '200'::jsonb in {case.desired}"
    ]


# --- which tables: parsing ----------------------------------------------------------


def _parse(text: str, configured: dict | None = None) -> list[ReferenceTable]:
    return reference_tables(SqlFile(Path("schema.sql"), text), configured or {})


def test_insert_targets_are_found_by_the_parser():
    tables = _parse(
        "-- INSERT INTO public.in_comment (a) VALUES (1);\n"
        "CREATE TABLE t (a int, b int);\n"
        "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING;\n"
        "INSERT INTO public.t (b, a) VALUES (2, 2);\n"
        "SELECT 'INSERT INTO public.in_string (a) VALUES (1)';\n"
        "SET search_path = app, public;\n"
        "WITH made AS (INSERT INTO made_in_cte (x) VALUES (1) RETURNING x)\n"
        "  INSERT INTO other.tab (y) SELECT x FROM made;\n"
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql\n"
        "  BEGIN ATOMIC INSERT INTO in_body (z) VALUES (1); END;\n"
        "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO in_rule (z) VALUES (1);\n"
    )
    assert [(t.qualified, t.columns, t.conflict_target) for t in tables] == [
        ("app.made_in_cte", ("x",), None),
        ("other.tab", ("y",), None),
        ("public.t", ("a", "b"), ("a",)),
    ]
    assert tables[2].where == "schema.sql:3:13"


def test_every_way_of_setting_the_schema_is_followed():
    # SET SCHEMA is SET search_path; keywords in any case (only some statements are parsed).
    tables = _parse(
        "SET SCHEMA 'app';\n"
        "insert into a (x) values (1);\n"
        "Set Search_Path To other;\n"
        "InSeRt InTo b (x) values (1);\n"
        "RESET search_path;\n"
        "INSERT INTO c (x) VALUES (1);\n"
    )
    assert [t.qualified for t in tables] == ["app.a", "other.b", "public.c"]


def test_configured_tables_are_added_with_their_keys():
    tables = _parse(
        "INSERT INTO public.t (a, b) VALUES (1, 2);",
        {"public.t": ("b",), "public.seeded_by_function": ("code",)},
    )
    assert [(t.qualified, t.columns, t.key) for t in tables] == [
        ("public.seeded_by_function", (), ("code",)),
        ("public.t", ("a", "b"), ("b",)),
    ]


def test_insert_without_column_list_into_a_table_is_refused_with_its_location(server,
                                                                             fresh_db):
    with pytest.raises(SQLInputError) as raised:
        _resolve(server, fresh_db, "CREATE TABLE t (a int);\n\nINSERT INTO t VALUES (1);\n")
    assert raised.value.message.startswith(
        "schema.sql:3:13: INSERT INTO public.t has no column list"
    )


_VIEW_WITH_TRIGGER = """
    CREATE TABLE people_store (id int PRIMARY KEY, full_name text NOT NULL);
    CREATE VIEW people AS SELECT id, full_name FROM people_store;
    CREATE FUNCTION people_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO people_store VALUES (new.id, new.full_name); RETURN new; END $$;
    CREATE TRIGGER people_insert INSTEAD OF INSERT ON people
        FOR EACH ROW EXECUTE FUNCTION people_insert();
"""


@pytest.mark.parametrize("insert", [
    "INSERT INTO people VALUES (1, 'Ada');",
    "INSERT INTO people (id, full_name) VALUES (1, 'Ada');",
])
def test_insert_into_a_view_is_reported_not_refused_nor_reference_data(server, fresh_db,
                                                                       insert):
    db = fresh_db("view")
    conn = server.connect(db, autocommit=False)
    try:
        source = SqlFile(Path("schema.sql"), _VIEW_WITH_TRIGGER + insert + "\n")
        apply_sql(conn, source)
        conn.autocommit = True
        not_tables: list[str] = []
        tables = resolve_keys(conn, reference_tables(source, {}), not_tables)
    finally:
        conn.close()
    assert tables == []
    assert len(not_tables) == 1
    assert not_tables[0].startswith("schema.sql:8:13: INSERT INTO public.people: a view, ")
    assert "not reference data" in not_tables[0]


# --- which key ----------------------------------------------------------------------


def _resolve(server, fresh_db, text: str, configured: dict | None = None) -> list[ReferenceTable]:
    db = fresh_db("keys")
    conn = server.connect(db, autocommit=False)
    try:
        source = SqlFile(Path("schema.sql"), text)
        apply_sql(conn, source)
        conn.autocommit = True
        return resolve_keys(conn, reference_tables(source, configured or {}))
    finally:
        conn.close()


def test_key_choice_order(server, fresh_db):
    tables = _resolve(server, fresh_db, """
        -- a provided primary key beats a unique constraint
        CREATE TABLE pk (code text PRIMARY KEY, name text UNIQUE);
        INSERT INTO pk (name, code) VALUES ('n', 'c');
        -- a constraint beats a bare unique index; fewer columns beat more
        CREATE TABLE uq (a text, b text, c text, CONSTRAINT uq_ab UNIQUE (a, b));
        CREATE UNIQUE INDEX uq_c ON uq (c);
        CREATE UNIQUE INDEX uq_b ON uq (b);
        ALTER TABLE uq ADD CONSTRAINT uq_c_con UNIQUE (c);
        INSERT INTO uq (a, b, c) VALUES ('1', '2', '3');
        -- among equals, the column that comes first in the table
        CREATE TABLE eq (id serial PRIMARY KEY, second text UNIQUE, first text UNIQUE);
        ALTER TABLE eq ADD COLUMN third text UNIQUE;
        INSERT INTO eq (third, first, second) VALUES ('3', '1', '2');
        -- partial, expression and deferrable keys cannot be ON CONFLICT arbiters
        CREATE TABLE skip (a text, b text, c text, d text,
                           CONSTRAINT skip_a UNIQUE (a) DEFERRABLE);
        CREATE UNIQUE INDEX skip_b ON skip (b) WHERE b IS NOT NULL;
        CREATE UNIQUE INDEX skip_c ON skip (lower(c));
        CREATE UNIQUE INDEX skip_d ON skip (d) INCLUDE (a);
        INSERT INTO skip (a, b, c, d) VALUES ('a', 'b', 'c', 'd');
        -- the INSERT's ON CONFLICT ON CONSTRAINT names the key
        CREATE TABLE hinted (x text CONSTRAINT hinted_x UNIQUE, y text CONSTRAINT hinted_y UNIQUE);
        INSERT INTO hinted (x, y) VALUES ('x', 'y') ON CONFLICT ON CONSTRAINT hinted_y DO NOTHING;
    """)
    assert {t.name: (t.key, t.key_origin) for t in tables} == {
        "eq": (("second",), "unique constraint eq_second_key"),
        "hinted": (
            ("y",), "ON CONFLICT (ON CONSTRAINT hinted_y) of the INSERT at schema.sql:24:21"
        ),
        "pk": (("code",), "primary key pk_pkey"),
        "skip": (("d",), "unique index skip_d"),
        "uq": (("c",), "unique constraint uq_c_con"),
    }


def test_configured_key_must_be_provided_by_the_inserts(server, fresh_db):
    with pytest.raises(UsageError, match="b is not provided by the INSERTs"):
        _resolve(server, fresh_db, "CREATE TABLE t (a text UNIQUE, b text UNIQUE);\n"
                 "INSERT INTO t (a) VALUES ('x');", {"public.t": ("b",)})


def test_configured_table_missing_from_schema_is_an_error(server, fresh_db):
    with pytest.raises(UsageError, match="public.gone is listed in"):
        _resolve(server, fresh_db, "SELECT 1;", {"public.gone": ("a",)})


def test_null_in_a_key_is_an_error(server, fresh_db):
    db = fresh_db("nullkey")
    conn = server.connect(db, autocommit=False)
    source = SqlFile(Path("schema.sql"), "CREATE TABLE t (a text UNIQUE, b text);\n"
                     "INSERT INTO t (a, b) VALUES (NULL, 'orphan');")
    try:
        apply_sql(conn, source)
        conn.autocommit = True
        tables = resolve_keys(conn, reference_tables(source, {}))
        with pytest.raises(UsageError, match=r"public.t in desired .*NULL in its key \(a\)"):
            diff_rows(conn, conn, tables)
        # The proof still compares such rows, as whole rows.
        assert compare_rows(conn, conn, tables) == []
    finally:
        conn.close()


def test_reads_leave_the_callers_session_as_found(server, load_case):
    case = load_case("add_row")
    conn = server.connect(case.desired, autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("SET search_path = public; CREATE TEMP TABLE mine (x int)")
        compare_rows(conn, conn, case.tables)
        with conn.cursor() as cur:
            cur.execute("SHOW search_path")
            assert cur.fetchone() == ("public",)
            cur.execute("SELECT count(*) FROM mine")  # the caller's transaction is still open
            assert cur.fetchone() == (0,)
        conn.rollback()
    finally:
        conn.close()


# --- Fluxa's schema.sql -------------------------------------------------------------


def test_fluxa_schema_keys_and_acceptance(server, databases_made, tmp_path):
    """Fluxa's schema.sql: the expected keys, and max_items_per_run 100 → 200 is one statement."""
    schema = REPO / "schema.sql"
    if not schema.is_file():
        pytest.skip("schema.sql not written yet")
    text = schema.read_text(encoding="utf-8")
    line = "('ingestion.max_items_per_run', '100'::jsonb"
    assert text.count(line) == 1
    changed = tmp_path / "schema.sql"
    changed.write_text(text.replace(line, "('ingestion.max_items_per_run', '200'::jsonb"))
    current, desired = databases_made("fluxa_cur"), databases_made("fluxa_des")
    _load(server, current, schema)
    _load(server, desired, changed)
    conn = server.connect(desired)
    try:
        tables = resolve_keys(conn, reference_tables(read_sql(changed), {}))
    finally:
        conn.close()
    assert {t.name: t.key for t in tables} == {
        "content_sources": ("source_key",),
        "content_categories": ("slug",),
        "content_config": ("config_key",),
    }
    changes = _diff(server, current, desired, tables)
    assert changes.up_deletes == changes.down_deletes == []
    assert len(changes.up_upserts) == len(changes.down_upserts) == 1
    assert "'200'::jsonb" in changes.up_upserts[0]
    assert changes.up_upserts[0].endswith(
        "ON CONFLICT (config_key) DO UPDATE SET config_value = EXCLUDED.config_value "
        "WHERE public.content_config.config_value IS NOT DISTINCT FROM '100'::jsonb;"
    )
    assert "'100'::jsonb" in changes.down_upserts[0]


def test_a_key_column_the_current_state_lacks_is_an_error(server, fresh_db):
    current, desired = fresh_db("oldkey"), fresh_db("newkey")
    conns = {db: server.connect(db, autocommit=False) for db in (current, desired)}
    try:
        apply_sql(conns[current], SqlFile(Path("a.sql"), "CREATE TABLE t (name text);\n"
                                          "INSERT INTO t (name) VALUES ('x');"))
        source = SqlFile(Path("b.sql"), "CREATE TABLE t (name text, code text UNIQUE);\n"
                         "INSERT INTO t (name, code) VALUES ('x', 'x1');")
        apply_sql(conns[desired], source)
        tables = resolve_keys(conns[desired], reference_tables(source, {}))
        with pytest.raises(UsageError) as raised:
            diff_rows(conns[current], conns[desired], tables)
        assert raised.value.message == (
            "public.t: key column code does not exist in current (the migrations): "
            "reference rows cannot be matched between the two states."
        )
        assert 'reference_tables = {"public.t" = ["column", ...]}' in str(raised.value)
        # Compared without the key: as whole rows over the columns both have.
        assert compare_rows(conns[current], conns[desired], tables) == []
        with conns[current].cursor() as cur:
            cur.execute("INSERT INTO t (name) VALUES ('y')")
        assert compare_rows(conns[current], conns[desired], tables, ("old", "new")) == [
            "public.t: rows differ (compared as whole rows, because public.t: key column code "
            "does not exist in old): 2 in old, 1 in new"
        ]
    finally:
        for conn in conns.values():
            conn.close()


def test_compare_rows_reports_missing_rows_and_tables(load_case, server):
    case = load_case("first_seed")
    assert _compare(server, case.current, case.desired, case.tables) == [
        f"public.plans: table missing in {case.current}"
    ]
    case = load_case("remove_row")
    assert _compare(server, case.current, case.desired, case.tables) == [
        f"public.regions (code = 'ap'): row only in {case.current}"
    ]
