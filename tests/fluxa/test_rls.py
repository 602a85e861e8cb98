"""Access as each Supabase API role has it: grants decide the commands, RLS the rows.

Phase 1, under Supabase's current default privileges (new tables get no grants for the
API roles, so schema.sql declares them): service_role (BYPASSRLS) reads and writes every
table; anon may run nothing on any table; an authenticated user may only select and
insert, and only on user_content_seen, where the policies limit both to their own rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg2.errors
import pytest
from fluxa_plan import TABLES
from psycopg2 import sql

PUBLISHED = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def world(rows):
    """A row in every table and two users, each with seen rows; returns their ids."""
    first = rows.item("newsapi", "First story", PUBLISHED)
    second = rows.item("guardian", "Second story", PUBLISHED)
    third = rows.item("mediastack", "Third story", PUBLISHED)
    rows.link(first, "technology")
    rows.run("newsapi")
    rows.budget("newsapi", "2025-01-01", "2025-02-01")
    alice = rows.user("alice@example.com")
    bob = rows.user("bob@example.com")
    rows.seen(alice, first)
    rows.seen(bob, first)
    rows.seen(bob, second)
    counts = {table: rows.count(table) for table in TABLES}
    # Without rows the "sees nothing" assertions below would prove nothing.
    assert all(counts.values()), counts
    return {"alice": alice, "bob": bob, "items": (first, second, third), "counts": counts}


def visible(cur, table: str) -> int:
    cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table)))
    return cur.fetchone()[0]


COMMANDS = {
    "select": "SELECT count(*) FROM {table}",
    "insert": "INSERT INTO {table} DEFAULT VALUES",
    "update": "UPDATE {table} SET {column} = {column}",
    "delete": "DELETE FROM {table}",
}
# A column of each table, for the UPDATE probe (every table's first column).
FIRST_COLUMN = {"user_content_seen": "user_id"}


def refused(cur, statement: str, table: str) -> bool:
    """Whether Postgres refuses `statement` on `table` for lack of a privilege."""
    column = FIRST_COLUMN.get(table, "id")
    cur.execute("SAVEPOINT probe")
    try:
        cur.execute(sql.SQL(statement).format(table=sql.Identifier("public", table),
                                              column=sql.Identifier(column)))
    except psycopg2.errors.InsufficientPrivilege as exc:
        cur.execute("ROLLBACK TO SAVEPOINT probe")
        return "permission denied" in str(exc) and "row-level security" not in str(exc)
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT probe")  # got past the grants (e.g. a NOT NULL)
        return False
    cur.execute("RELEASE SAVEPOINT probe")
    return False


def test_anon_may_run_nothing_on_any_table(world, acting_as):
    with acting_as("anon") as cur:
        allowed = {(table, command) for table in TABLES for command, statement
                   in COMMANDS.items() if not refused(cur, statement, table)}
    assert allowed == set()


def test_service_role_writes_every_table(world, acting_as):
    with acting_as("service_role") as cur:
        allowed = {(table, command) for table in TABLES for command, statement
                   in COMMANDS.items() if not refused(cur, statement, table)}
    assert allowed == {(table, command) for table in TABLES for command in COMMANDS}


def test_anon_cannot_record_a_seen_row(world, acting_as):
    with acting_as("anon") as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("INSERT INTO public.user_content_seen (user_id, content_item_id) "
                    "VALUES (%s, %s)", (world["alice"], world["items"][2]))


def test_service_role_reads_everything(world, acting_as):
    with acting_as("service_role") as cur:
        assert {table: visible(cur, table) for table in TABLES} == world["counts"]


def test_authenticated_user_sees_only_their_own_seen_rows(world, acting_as):
    first, second, _ = world["items"]
    with acting_as("authenticated", world["bob"]) as cur:
        cur.execute("SELECT user_id::text, content_item_id::text FROM public.user_content_seen")
        assert sorted(cur.fetchall()) == sorted([(world["bob"], first), (world["bob"], second)])
    with acting_as("authenticated", world["alice"]) as cur:
        cur.execute("SELECT user_id::text, content_item_id::text FROM public.user_content_seen")
        assert cur.fetchall() == [(world["alice"], first)]


def test_authenticated_user_records_their_own_seen_row(world, acting_as, conn):
    third = world["items"][2]
    with acting_as("authenticated", world["alice"]) as cur:
        cur.execute("INSERT INTO public.user_content_seen (user_id, content_item_id) "
                    "VALUES (%s, %s)", (world["alice"], third))
        assert cur.rowcount == 1
        assert visible(cur, "user_content_seen") == 2


def test_authenticated_user_cannot_record_a_seen_row_for_someone_else(world, acting_as):
    third = world["items"][2]
    with acting_as("authenticated", world["alice"]) as cur, \
            pytest.raises(psycopg2.errors.InsufficientPrivilege, match="row-level security"):
        cur.execute("INSERT INTO public.user_content_seen (user_id, content_item_id) "
                    "VALUES (%s, %s)", (world["bob"], third))


def test_authenticated_user_cannot_change_or_delete_seen_rows(world, acting_as, rows):
    # Phase 1 gives users neither the UPDATE/DELETE privilege nor a policy for them.
    with acting_as("authenticated", world["alice"]) as cur:
        assert refused(cur, "UPDATE {table} SET interacted = true", "user_content_seen")
        assert refused(cur, "DELETE FROM {table}", "user_content_seen")
    assert rows.count("user_content_seen") == world["counts"]["user_content_seen"]


@pytest.mark.parametrize("table", [t for t in TABLES if t != "user_content_seen"])
def test_authenticated_user_reads_nothing_else(world, acting_as, table):
    # content_config and api_usage_budget are admin-only; the rest is service-role-only
    # until Phase 2 adds user policies.
    with acting_as("authenticated", world["alice"]) as cur:
        assert all(refused(cur, statement, table) for statement in COMMANDS.values())


def test_a_request_without_a_user_sees_no_seen_rows(world, acting_as):
    # authenticated role but no `sub` claim: auth.uid() is NULL, which matches no row.
    with acting_as("authenticated") as cur:
        assert visible(cur, "user_content_seen") == 0


def test_the_only_policies_are_the_two_user_rules(conn):
    # Reads alone cannot catch a policy that also names anon (anon has no `sub`, so
    # auth.uid() matches nothing); the catalog can.
    with conn.cursor() as cur:
        cur.execute("SELECT tablename, cmd, roles::text[], coalesce(qual, with_check) "
                    "FROM pg_policies WHERE schemaname = 'public' ORDER BY cmd")
        found = cur.fetchall()
    assert [(table, cmd, roles) for table, cmd, roles, _ in found] == [
        ("user_content_seen", "INSERT", ["authenticated"]),
        ("user_content_seen", "SELECT", ["authenticated"]),
    ]
    # `(select auth.uid())`: evaluated once per query as an initPlan, not once per row.
    for *_, condition in found:
        assert "(SELECTauth.uid()" in condition.replace(" ", ""), condition
