"""Honest coverage: no object of the managed scope is left out of a migration without a word.

An object of a kind schemadiff does not model is refused by name (exit 5, with its line in
schema.sql) when a change would create or drop it; one present on both sides is left
alone. A difference only the catalog judge sees (nothing generates it) fails `diff` and
`check` (exit 1) instead of passing as "no difference".
"""

from __future__ import annotations

import pytest

from cliproject import TABLE


@pytest.fixture
def run(cli, project):
    return cli(project)


EVENT_TRIGGER = """\
create function public.log_ddl() returns event_trigger language plpgsql as $$
begin
    raise notice 'ddl: %', tg_tag;
end $$;
create event trigger log_ddl_commands on ddl_command_end
    execute function public.log_ddl();
"""
FDW = "create foreign data wrapper dummy_fdw;\n"
SERVER = FDW + "create server archive foreign data wrapper dummy_fdw;\n"

# kind -> (SQL added to schema.sql after TABLE, how the refusal names the object, the line
# of its CREATE statement in schema.sql).
UNMODELLED = {
    "conversion": (
        "create conversion public.latin1_to_utf8 for 'LATIN1' to 'UTF8' from iso8859_1_to_utf8;\n",
        "conversion public.latin1_to_utf8", 2),
    "event trigger": (EVENT_TRIGGER, "event trigger log_ddl_commands", 6),
    "foreign-data wrapper": (FDW, "foreign-data wrapper dummy_fdw", 2),
    "server": (SERVER, "server archive", 3),
    "user mapping": (SERVER + "create user mapping for public server archive;\n",
                     "user mapping public on server archive", 4),
    "foreign table": (SERVER + "create foreign table public.remote_widgets (id int) "
                               "server archive;\n",
                      "foreign table public.remote_widgets", 4),
    "operator class": (
        "create operator class public.int_hash_ops for type int using hash as operator 1 =;\n",
        "operator class public.int_hash_ops USING hash", 2),
    "operator family": ("create operator family public.widget_family using btree;\n",
                        "operator family public.widget_family USING btree", 2),
    "language": ("create language pl_again handler plpgsql_call_handler;\n",
                 "language pl_again", 2),
    "shell type": ("create type public.not_yet;\n", "shell type public.not_yet", 2),
    "publication": ("create publication widget_changes for table public.widgets;\n",
                    "publication widget_changes", 2),
    "text search template": (
        "create text search template public.plain_template (lexize = dsimple_lexize);\n",
        "text search template public.plain_template", 2),
    "text search parser": (
        "create text search parser public.plain_parser (start = prsd_start, "
        "gettoken = prsd_nexttoken, end = prsd_end, lextypes = prsd_lextype);\n",
        "text search parser public.plain_parser", 2),
    "access method": (
        "create access method heap_copy type table handler heap_tableam_handler;\n",
        "access method heap_copy", 2),
}


@pytest.mark.parametrize("kind", sorted(UNMODELLED))
def test_diff_refuses_a_new_object_of_an_unmodelled_kind_by_name(run, project, kind):
    sql, named, line = UNMODELLED[kind]
    (project / "schema.sql").write_text(TABLE + sql)
    result = run("diff", "init")
    assert result.exit_code == 5, result.output
    assert f"schema.sql:{line}:1: {named}\n" in result.output
    assert "would not be created" in result.output
    assert not (project / "supabase").exists()


def test_check_refuses_it_too_listing_every_object_in_file_order(run, project):
    (project / "schema.sql").write_text(TABLE + EVENT_TRIGGER + UNMODELLED["conversion"][0])
    result = run("check")
    assert result.exit_code == 5
    assert "2 object(s)" in result.output
    trigger = result.output.index("schema.sql:6:1: event trigger log_ddl_commands")
    conversion = result.output.index("schema.sql:8:1: conversion public.latin1_to_utf8")
    assert trigger < conversion


def _released(run, project, schema: str) -> None:
    (project / "schema.sql").write_text(schema)
    result = run("diff", "init", "--version", "20250101000000")
    assert result.exit_code == 0, result.output


def test_an_unmodelled_object_the_migrations_made_is_not_dropped(run, project):
    # A hand-written migration made the event trigger; schema.sql no longer declares it.
    _released(run, project, TABLE)
    (project / "supabase/migrations/20250102000000_ddl_log.sql").write_text(EVENT_TRIGGER)
    assert run("hash").exit_code == 0  # a hand-written migration, recorded on purpose
    result = run("diff", "drop_it")
    assert result.exit_code == 5, result.output
    assert "would not be dropped" in result.output
    # Pointed at in the migration that made it (line 5 of EVENT_TRIGGER).
    assert "20250102000000_ddl_log.sql:5:1: event trigger log_ddl_commands" in result.output


def test_an_unmodelled_object_on_both_sides_is_left_alone(run, project):
    _released(run, project, TABLE)
    (project / "supabase/migrations/20250102000000_ddl_log.sql").write_text(EVENT_TRIGGER)
    assert run("hash").exit_code == 0  # a hand-written migration, recorded on purpose
    (project / "schema.sql").write_text(
        TABLE.replace("not null)", "not null, colour text)") + EVENT_TRIGGER)
    result = run("diff", "colour", "--version", "20250103000000")
    assert result.exit_code == 0, result.output
    migration = (project / "supabase/migrations/20250103000000_colour.sql").read_text()
    assert "colour" in migration
    assert "event trigger" not in migration.lower()


def test_an_unmodelled_object_changed_on_one_side_is_a_difference(run, project):
    # Same name on both sides, another event: compared by its catalog row, not its name.
    _released(run, project, TABLE)
    (project / "supabase/migrations/20250102000000_ddl_log.sql").write_text(EVENT_TRIGGER)
    assert run("hash").exit_code == 0  # a hand-written migration, recorded on purpose
    (project / "schema.sql").write_text(
        TABLE + EVENT_TRIGGER.replace("on ddl_command_end", "on sql_drop"))
    result = run("check")
    assert result.exit_code == 1, result.output
    assert "unmodelled event trigger log_ddl_commands: differs" in result.output
    assert "sql_drop" in result.output


DOMAIN = "create domain public.quantity as {base} check (value >= 0);\n"
USES_DOMAIN = "create table public.stock (id int primary key, qty public.quantity);\n"


def test_a_difference_nothing_generates_fails_check_and_diff(run, project):
    # Postgres cannot change a domain's base type in place, and migra has no domain DDL:
    # the plan is empty while the catalog judge sees the domain differ.
    _released(run, project, DOMAIN.format(base="integer") + USES_DOMAIN)
    (project / "schema.sql").write_text(DOMAIN.format(base="bigint") + USES_DOMAIN)

    checked = run("check")
    assert checked.exit_code == 1, checked.output
    assert "domain public.quantity: differs" in checked.output
    assert "bigint" in checked.output

    before = sorted(p.name for p in (project / "supabase/migrations").iterdir())
    diffed = run("diff", "widen")
    assert diffed.exit_code == 1, diffed.output
    assert "catalog judge sees differences" in diffed.output
    assert "domain public.quantity: differs" in diffed.output
    assert "No difference" not in diffed.output
    assert sorted(p.name for p in (project / "supabase/migrations").iterdir()) == before


def test_a_changed_domain_check_is_generated_not_reported_in_sync(run, project):
    _released(run, project, DOMAIN.format(base="integer") + USES_DOMAIN)
    (project / "schema.sql").write_text(
        DOMAIN.format(base="integer").replace(">= 0", "> 0") + USES_DOMAIN)
    checked = run("check")
    assert checked.exit_code == 1
    assert "ADD CONSTRAINT" in checked.output
    diffed = run("diff", "positive", "--version", "20250102000000")
    assert diffed.exit_code == 0, diffed.output
    up = (project / "supabase/migrations/20250102000000_positive.sql").read_text()
    assert "CHECK ((VALUE > 0))" in up
    assert run("check").exit_code == 0


def test_an_extension_in_a_managed_schema_is_not_refused_for_its_members(run, project):
    # `create extension pg_trgm` without a schema puts it in public, as many apps do: its
    # operator classes and their operators/functions (pg_amop, pg_amproc) are the
    # extension's, not objects of schema.sql to refuse.
    _released(run, project, "create extension if not exists pg_trgm;\n"
                            "create table public.t (id int primary key, name text);\n"
                            "create index t_name_trgm on public.t using gin (name gin_trgm_ops);\n")
    assert run("check").exit_code == 0
