"""Fixtures for the Fluxa content schema: a database built by replaying the migrations.

`fluxa_db` is a fresh database holding every `supabase/migrations/*.sql`, applied in
version (file name) order with `schemadiff.apply.apply_file`, on the platform shim.
It is built once per session and cloned per test (CREATE DATABASE ... TEMPLATE), so
each test may write freely.

FLUXA_TEST_SOURCE chooses what is replayed:
  unset or `migrations`  the migrations; the session fails if there are none, since
                         tests that pass against nothing prove nothing.
  `schema`               schema.sql alone, to develop schema.sql and these tests before
                         its migration has been generated.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg2 import sql

from fluxa_content_hash import content_hash
from schemadiff.apply import apply_file

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS = REPO / "supabase" / "migrations"
SCHEMA = REPO / "schema.sql"
SOURCE_VAR = "FLUXA_TEST_SOURCE"


def _sql_files() -> list[Path]:
    source = os.environ.get(SOURCE_VAR, "migrations")
    if source == "schema":
        return [SCHEMA]
    if source != "migrations":
        pytest.fail(f"{SOURCE_VAR}={source!r}: use 'migrations' (the default) or 'schema'.",
                    pytrace=False)
    files = sorted(MIGRATIONS.glob("*.sql"), key=lambda p: p.name)
    if not files:
        pytest.fail(
            f"No migration in {MIGRATIONS.relative_to(REPO)}: generate it from schema.sql "
            f"with the diff command, or set {SOURCE_VAR}=schema to test schema.sql itself.",
            pytrace=False,
        )
    return files


@pytest.fixture(scope="session")
def fluxa_template(scratch) -> Iterator[str]:
    """A database holding the Fluxa schema, used only as a template: no connection stays open."""
    server, databases = scratch
    files = _sql_files()
    name = databases.create("fluxa_template")
    conn = server.connect(name)
    try:
        for path in files:
            apply_file(conn, path)
    finally:
        conn.close()
    yield name
    databases.drop(name)


@pytest.fixture
def fluxa_db(scratch, fluxa_template) -> Iterator[str]:
    """Name of a fresh database cloned from the built Fluxa schema, dropped after the test."""
    _, databases = scratch
    name = databases.create("fluxa", template=fluxa_template)
    yield name
    databases.drop(name)


@pytest.fixture
def conn(server, fluxa_db):
    """A superuser connection to `fluxa_db`, autocommit on."""
    connection = server.connect(fluxa_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def catalog_conn(scratch, fluxa_template):
    """A superuser connection to one clone shared by a module's read-only tests (faster)."""
    server, databases = scratch
    name = databases.create("fluxa_ro", template=fluxa_template)
    connection = server.connect(name)
    yield connection
    connection.close()
    databases.drop(name)


API_ROLES = ("anon", "authenticated", "service_role")


@contextlib.contextmanager
def _acting_as(connection, role: str, user_id: str | None = None):
    if role not in API_ROLES:
        raise ValueError(f"not a Supabase API role: {role}")
    claims = {"role": role} if user_id is None else {"role": role, "sub": user_id}
    previous = connection.autocommit
    connection.autocommit = False
    try:
        with connection.cursor() as cur:
            # What PostgREST does per request: claims and role, both local to the transaction.
            cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            yield cur
    finally:
        connection.rollback()
        connection.autocommit = previous


@pytest.fixture
def acting_as(conn):
    """`with acting_as(role, user_id=None) as cur:` a cursor running as a Supabase API role,
    inside a transaction that is rolled back afterwards."""
    return lambda role, user_id=None: _acting_as(conn, role, user_id)


class Rows:
    """Inserts the rows tests need, as the superuser; returns their ids."""

    def __init__(self, connection) -> None:
        self.conn = connection

    def _one(self, query: str, params: tuple = ()):
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchone()[0]

    def source(self, source_key: str) -> str:
        return self._one("SELECT id FROM public.content_sources WHERE source_key = %s",
                         (source_key,))

    def category(self, slug: str) -> str:
        return self._one("SELECT id FROM public.content_categories WHERE slug = %s", (slug,))

    def user(self, email: str) -> str:
        return self._one("INSERT INTO auth.users (id, email) VALUES (gen_random_uuid(), %s) "
                         "RETURNING id", (email,))

    def item(self, source_key: str, title: str, published_at=None) -> str:
        """A content item, hashed as the ingestion job would hash it."""
        digest = content_hash(title, source_key, published_at)
        return self._one(
            "INSERT INTO public.content_items (source_id, content_hash, title, published_at) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (self.source(source_key), digest, title, published_at),
        )

    def link(self, item_id: str, category_slug: str) -> str:
        return self._one(
            "INSERT INTO public.content_item_categories (content_item_id, category_id) "
            "VALUES (%s, %s) RETURNING id", (item_id, self.category(category_slug)))

    def seen(self, user_id: str, item_id: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO public.user_content_seen (user_id, content_item_id) "
                        "VALUES (%s, %s)", (user_id, item_id))

    def run(self, source_key: str) -> str:
        return self._one("INSERT INTO public.content_runs (source_id) VALUES (%s) RETURNING id",
                         (self.source(source_key),))

    def budget(self, source_key: str, start: str, end: str, limit: int | None = 1000) -> str:
        return self._one(
            "INSERT INTO public.api_usage_budget (source_id, period_start, period_end, "
            "budget_limit) VALUES (%s, %s, %s, %s) RETURNING id",
            (self.source(source_key), start, end, limit),
        )

    def count(self, table: str) -> int:
        with self.conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", table)))
            return cur.fetchone()[0]


@pytest.fixture
def rows(conn) -> Rows:
    return Rows(conn)
