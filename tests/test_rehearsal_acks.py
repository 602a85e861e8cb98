"""Issue 15, the remaining gaps: a per-table acknowledgement of data-dependent statements
with a reason, and type changes that widen (they cannot fail on a row) told apart from
those that narrow, by the catalog types.

Rows are written here by hand, the way a user's database holds them, and each migration
and rollback is applied to them as the Supabase CLI would (one transaction each).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgquery import rows as _rows
from pgquery import run_sql as _exec

TABLES = ("CREATE TABLE public.t (id int PRIMARY KEY, code text, n int);\n"
          "CREATE TABLE public.u (id int PRIMARY KEY, label text);\n")
ACK = "-- schemadiff: allow data-dependent -- filled only after launch, empty everywhere\n"


def _payload(output: str) -> dict:
    return json.loads(output[output.index("{"):])


def _files(project: Path, name: str) -> tuple[str, str]:
    migration = next((project / "supabase/migrations").glob(f"*_{name}.sql"))
    return migration.read_text(), (project / "supabase/rollbacks" / migration.name).read_text()


def _written(project: Path) -> int:
    return len(list((project / "supabase/migrations").glob("*.sql")))


@pytest.fixture
def released(tmp_path: Path, cli):
    """A project whose one released migration creates `schema`, and the CLI on it."""
    def make(schema: str):
        (tmp_path / "pyproject.toml").write_text('[tool.schemadiff]\nschemas = ["public"]\n')
        (tmp_path / "schema.sql").write_text(schema)
        run = cli(tmp_path)
        result = run("diff", "init", "--version", "20250101000000")
        assert result.exit_code == 0, result.output
        return tmp_path, run
    return make


# --- the per-table acknowledgement ------------------------------------------------------


def test_acknowledged_table_passes_and_header_output_and_json_list_it(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(
        ACK + TABLES.replace("code text", "code text NOT NULL"))
    result = run("diff", "code_required", "--json")
    assert result.exit_code == 0, result.output
    payload = _payload(result.output)
    expected = ("public.t: sets NOT NULL on code (rows holding NULL break it) (acknowledged: "
                "filled only after launch, empty everywhere (schema.sql:1))")
    assert payload["data_dependent_acknowledged"] == [expected]
    # The table the user vouches for gets no sample rows (they would contradict the reason);
    # the other table does.
    assert "public.t" not in payload["rehearsal"]["seeded"]
    assert payload["rehearsal"]["seeded"]["public.u"] == 3
    assert payload["rehearsal"]["skipped"]["public.t"] == (
        "acknowledged: filled only after launch, empty everywhere (schema.sql:1)")
    up, _ = _files(project, "code_required")
    header = up[:up.index("\n\n")]
    assert "-- Data-dependent, acknowledged (may fail on rows that break it):" in header
    assert f"--   - {expected}" in header
    # The plain output names it too.
    (project / "schema.sql").write_text(
        ACK + TABLES.replace("code text", "code text NOT NULL").replace("n int", "n int NOT NULL"))
    plain = run("diff", "n_required")
    assert plain.exit_code == 0, plain.output
    assert "data-dependent: public.t: sets NOT NULL on n (rows holding NULL break it) " \
           "(acknowledged: filled only after launch" in plain.output
    # verify rehearses them again as diff did: no sample rows in the acknowledged table.
    verified = run("verify", "--json")
    assert verified.exit_code == 0, verified.output
    assert [m["rows"] for m in _payload(verified.stdout)["migrations"]] == ["ok", "ok", "ok"]
    # and so does `rollback` when it regenerates one.
    version = next((project / "supabase/migrations").glob("*_code_required.sql")).name[:14]
    regenerated = run("rollback", version)
    assert regenerated.exit_code == 0, regenerated.output
    assert "no sample rows for public.t: acknowledged in " in regenerated.output


def test_flag_acknowledged_migration_failing_on_rows_is_accepted_again_by_verify(released):
    project, run = released(TABLES)
    (project / "supabase" / "seed.sql").write_text("INSERT INTO public.t VALUES (1, NULL, 2);\n")
    (project / "schema.sql").write_text(TABLES.replace("code text", "code text NOT NULL"))
    assert run("diff", "code_required").exit_code == 3
    assert run("diff", "code_required", "--allow-data-dependent").exit_code == 0
    verified = run("verify", "--json")
    assert verified.exit_code == 0, verified.output
    assert [m["rows"] for m in _payload(verified.stdout)["migrations"]] == ["ok", "acknowledged"]


def test_hint_on_the_create_table_line_counts_too(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(TABLES.replace(
        "CREATE TABLE public.t (id int PRIMARY KEY, code text,",
        "CREATE TABLE public.t ( -- schemadiff: allow data-dependent -- staging only\n"
        "    id int PRIMARY KEY, code text UNIQUE,"))
    result = run("diff", "code_unique", "--json")
    assert result.exit_code == 0, result.output
    # migra: the unique index, then the constraint using it
    assert _payload(result.output)["data_dependent_acknowledged"] == [
        f"public.t: {what} (existing duplicates break it) (acknowledged: staging only "
        "(schema.sql:1))" for what in ("creates a UNIQUE index", "adds a UNIQUE constraint")]


def test_unacknowledged_table_in_the_same_change_is_still_refused(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(
        ACK + TABLES.replace("code text", "code text NOT NULL")
        .replace("label text", "label text NOT NULL"))
    refused = run("diff", "both_required")
    assert refused.exit_code == 3, refused.output
    assert "public.u: sets NOT NULL on label" in refused.output
    assert "public.t: sets NOT NULL" not in refused.output
    assert "-- schemadiff: allow data-dependent -- <why" in refused.output
    assert _written(project) == 1


def test_acknowledged_table_whose_seed_rows_break_it_is_refused_by_the_rehearsal(released):
    """The user's own seed.sql holds a NULL code: the table is not empty where it runs."""
    project, run = released(TABLES)
    (project / "supabase" / "seed.sql").write_text("INSERT INTO public.t VALUES (1, NULL, 2);\n")
    (project / "schema.sql").write_text(ACK + TABLES.replace("code text", "code text NOT NULL"))
    refused = run("diff", "code_required")
    assert refused.exit_code == 3, refused.output
    assert "fails on a database holding rows" in refused.output
    assert "contains null values" in refused.output
    assert _written(project) == 1


def test_hint_without_a_reason_is_an_error_at_its_line(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(
        "-- schemadiff: allow data-dependent\n" + TABLES.replace("code text", "code text NOT NULL"))
    result = run("diff", "code_required")
    assert result.exit_code == 5, result.output
    assert "schema.sql:1:1: `allow data-dependent` gives no reason" in result.output
    assert _written(project) == 1


def test_hint_on_a_column_is_an_error_at_its_line(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(
        "CREATE TABLE public.t (id int PRIMARY KEY,\n"
        "    -- schemadiff: allow data-dependent -- empty\n"
        "    code text NOT NULL, n int);\n"
        "CREATE TABLE public.u (id int PRIMARY KEY, label text);\n")
    result = run("diff", "code_required")
    assert result.exit_code == 5, result.output
    assert "schema.sql:2:5: `allow data-dependent` must stand on the line before a CREATE " \
           "TABLE" in result.output
    assert _written(project) == 1


def test_hint_the_change_does_not_need_is_reported(released):
    project, run = released(TABLES)
    (project / "schema.sql").write_text(ACK + TABLES + "CREATE TABLE public.v (id int);\n")
    result = run("diff", "add_v")
    assert result.exit_code == 0, result.output
    assert ("schema.sql:1:1: `allow data-dependent` on public.t acknowledges nothing "
            "in this change") in result.output


# --- widening vs narrowing type changes ---------------------------------------------------

# (old type, new type, rows at the edges of the old type, whether converting back can
# round or cut a value written since, e.g. 1.5 into an integer: then the rollback is lossy)
WIDENINGS = {
    "smallint_to_integer": ("smallint", "integer", ("32767", "-32768"), False),
    "integer_to_bigint": ("integer", "bigint", ("2147483647", "-2147483648"), False),
    "smallint_to_bigint": ("smallint", "bigint", ("32767",), False),
    "integer_to_numeric": ("integer", "numeric", ("2147483647",), True),
    "integer_to_numeric_12_2": ("integer", "numeric(12,2)", ("-2147483648",), True),
    "real_to_double": ("real", "double precision", ("3.4028235e38", "1.17549435e-38"), True),
    "varchar_5_to_20": ("varchar(5)", "varchar(20)", ("'abcde'", "'a  '"), True),
    "varchar_5_to_text": ("varchar(5)", "text", ("'abcde'",), True),
    "text_to_varchar": ("text", "varchar", ("repeat('x', 10000)",), False),
    "numeric_6_2_to_10_3": ("numeric(6,2)", "numeric(10,3)", ("9999.99", "-0.01"), True),
    "numeric_6_2_to_numeric": ("numeric(6,2)", "numeric", ("9999.99",), True),
    "timestamp_0_to_3": ("timestamp(0)", "timestamp(3)", ("'2025-01-15 10:30:45'",), True),
    "timestamptz_3_to_default": ("timestamptz(3)", "timestamptz",
                                 ("'2025-01-15 10:30:45.123+00'",), True),
}


@pytest.mark.parametrize("name", sorted(WIDENINGS))
def test_widening_type_change_passes_without_acknowledgement_on_rows(name, released, server,
                                                                   fresh_db):
    old, new, edges, rollback_lossy = WIDENINGS[name]
    table = "CREATE TABLE public.w (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, c {});\n"
    project, run = released(table.format(old))
    (project / "schema.sql").write_text(table.format(new))
    result = run("diff", "widen", "--json")  # no --allow-destructive, no acknowledgement
    assert result.exit_code == 0, result.output
    payload = _payload(result.output)
    assert payload["data_dependent_acknowledged"] == []
    assert payload["rehearsal"]["seeded"]["public.w"] == 3
    assert payload["rehearsal"]["lost"] == []
    assert bool(payload["lossy"]) is rollback_lossy, payload["lossy"]
    up, down = _files(project, "widen")
    assert "DESTRUCTIVE" not in up
    # A user's database: rows at the edges of the old type keep their values both ways.
    users = fresh_db("users")
    _exec(server, users, next((project / "supabase/migrations").glob("*_init.sql")).read_text())
    _exec(server, users, "INSERT INTO public.w (c) SELECT v FROM (VALUES "
                         + ", ".join(f"(({e})::{old})" for e in edges)
                         + ", (NULL)) AS x (v);")
    before = _rows(server, users, "SELECT id, c::text FROM public.w ORDER BY id")
    # Each value as the new type holds it (9999.99 is 9999.990 in numeric(10,3)).
    widened = _rows(server, users, f"SELECT id, c::{new}::text FROM public.w ORDER BY id")
    _exec(server, users, up)
    _exec(server, users, f"CREATE TABLE public.probe (c {new});")
    types = _rows(server, users, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                                 " WHERE attname = 'c' AND attrelid IN "
                                 "('public.w'::regclass, 'public.probe'::regclass)")
    assert len(set(types)) == 1, types  # the migration reached the new type
    assert _rows(server, users, "SELECT id, c::text FROM public.w ORDER BY id") == widened
    _exec(server, users, "DROP TABLE public.probe;")
    _exec(server, users, down)
    assert _rows(server, users, "SELECT id, c::text FROM public.w ORDER BY id") == before


# (old type, new type, whether a value may be rounded or cut: then it is destructive too)
NARROWINGS = {
    "integer_to_smallint": ("integer", "smallint", False),
    "numeric_10_2_to_8_2": ("numeric(10,2)", "numeric(8,2)", False),
    "text_to_integer": ("text", "integer", True),
    "varchar_20_to_5": ("varchar(20)", "varchar(5)", True),
    "numeric_10_3_to_6_2": ("numeric(10,3)", "numeric(6,2)", True),
    "timestamp_to_timestamptz": ("timestamp", "timestamptz", True),
    # Values that were distinct may compare equal under another collation.
    "text_to_text_collate_c": ("text", 'text COLLATE "C"', False),
    "varchar_5_to_text_collate_c": ("varchar(5)", 'text COLLATE "C"', False),
}


@pytest.mark.parametrize("name", sorted(NARROWINGS))
def test_narrowing_or_cross_type_change_is_refused(name, released):
    old, new, lossy = NARROWINGS[name]
    table = "CREATE TABLE public.w (id int PRIMARY KEY, c {});\n"
    project, run = released(table.format(old))
    (project / "schema.sql").write_text(table.format(new))
    refused = run("diff", "narrow")
    assert refused.exit_code == 3, refused.output
    # Destructive (refused first) only when a value may change; data-dependent in any case.
    assert ("changes the type of column c" in refused.output) is lossy
    still = run("diff", "narrow", "--allow-destructive")
    assert still.exit_code == 3, still.output
    assert "public.w: changes the type of c" in still.output
    assert _written(project) == 1


def test_narrowing_acknowledged_writes_a_rollback_that_is_not_lossy(released):
    """bigint -> integer either keeps every value or fails: nothing to declare lost."""
    table = "CREATE TABLE public.w (id int PRIMARY KEY, c {});\n"
    project, run = released(table.format("bigint"))
    (project / "schema.sql").write_text(table.format("integer"))
    result = run("diff", "narrow", "--allow-data-dependent", "--json")
    assert result.exit_code == 0, result.output
    payload = _payload(result.output)
    assert payload["lossy"] == []
    assert payload["data_dependent_acknowledged"] == [
        "public.w: changes the type of c (values that do not convert break it) "
        "(acknowledged: --allow-data-dependent)"]
    up, down = _files(project, "narrow")
    assert "DESTRUCTIVE" not in up and "lossy rollback" not in down


def test_a_domain_named_like_a_wider_type_is_not_a_widening(released):
    """The catalog decides, not the name: public.bigint is a domain over smallint."""
    schema = ("CREATE DOMAIN public.bigint AS smallint;\n"
              "CREATE TABLE public.w (id int PRIMARY KEY, c {});\n")
    project, run = released(schema.format("integer"))
    (project / "schema.sql").write_text(schema.format("public.bigint"))
    refused = run("diff", "domain", "--allow-destructive")
    assert refused.exit_code == 3, refused.output
    assert "public.w: changes the type of c" in refused.output



# --- verify rehearses the released migrations on rows ------------------------------------


def _release(project: Path, version: str, name: str, up: str, down: str) -> None:
    """A migration written by hand, as a user would, with its rollback."""
    (project / "supabase/migrations" / f"{version}_{name}.sql").write_text(up)
    (project / "supabase/rollbacks" / f"{version}_{name}.sql").write_text(down)


def test_verify_rehearses_each_released_migration_and_names_the_first_failing_on_rows(
        released):
    project, run = released(TABLES)
    # Passes on empty databases, fails on any row whose code is NULL.
    _release(project, "20250102000000", "code_required",
             "ALTER TABLE public.t ALTER COLUMN code SET NOT NULL;\n",
             "ALTER TABLE public.t ALTER COLUMN code DROP NOT NULL;\n")
    # Its rollback deletes rows: also invisible on empty databases.
    _release(project, "20250103000000", "n_column",
             "ALTER TABLE public.u ADD COLUMN n int;\n",
             "DELETE FROM public.u WHERE n IS NULL;\nALTER TABLE public.u DROP COLUMN n;\n")
    (project / "schema.sql").write_text(TABLES.replace("code text", "code text NOT NULL")
                                        .replace("label text", "label text, n int"))
    assert run("hash").exit_code == 0
    result = run("verify", "--json")
    assert result.exit_code == 1, result.output
    report = _payload(result.stdout)
    assert [(m["up"], m["down"], m["reup"], m["rows"]) for m in report["migrations"]] == [
        ("ok", "ok", "ok", "ok"), ("ok", "ok", "ok", "FAIL"), ("ok", "ok", "ok", "skipped")]
    assert report["final_equal"] is True
    problem = report["migrations"][1]["problems"][0]
    assert problem.startswith("20250102000000_code_required.sql: fails on a database holding "
                              "rows")
    assert 'column "code" of relation "t" contains null values' in problem
    # Replaced by a change rows cannot break, the next one is rehearsed: its rollback's
    # lost rows are named.
    _release(project, "20250102000000", "code_required",
             "ALTER TABLE public.t ADD COLUMN note text;\n",
             "ALTER TABLE public.t DROP COLUMN note;\n")
    (project / "schema.sql").write_text(TABLES.replace("n int", "n int, note text")
                                        .replace("label text", "label text, n int"))
    assert run("hash").exit_code == 0
    plain = run("verify")
    assert plain.exit_code == 1, plain.output
    assert "20250103000000_n_column.sql: does not give back rows that no statement " \
           "declares lost" in plain.output
    assert "public.u (" in plain.output and "row gone after the rollback" in plain.output
    rows = {line.split()[0]: line.split()[4] for line in plain.stdout.splitlines()
            if line.startswith("2025")}
    assert rows == {"20250101000000_init": "ok", "20250102000000_code_required": "ok",
                    "20250103000000_n_column": "FAIL"}
