"""The schema's rules at work, with real rows: deduplication, deletes, checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg2.errors
import pytest

from fluxa_content_hash import content_hash
from schemadiff.sources import read_sql, split_statements

SCHEMA = Path(__file__).resolve().parents[2] / "schema.sql"

PUBLISHED = datetime(2025, 1, 15, 10, 12, tzinfo=UTC)

INGEST = """
    INSERT INTO public.content_items (source_id, content_hash, title, published_at)
    SELECT id, %(hash)s, %(title)s, %(published_at)s
    FROM public.content_sources WHERE source_key = %(source)s
    ON CONFLICT (content_hash) DO NOTHING
"""


def ingest(conn, source: str, title: str, published_at: datetime) -> int:
    """Insert as the ingestion job does; returns how many rows were created (0 or 1)."""
    with conn.cursor() as cur:
        cur.execute(INGEST, {"hash": content_hash(title, source, published_at), "title": title,
                             "published_at": published_at, "source": source})
        return cur.rowcount


def scalar(conn, query: str, params: tuple = ()):
    with conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def test_same_story_twice_from_one_source_is_one_row(conn, rows):
    # The second fetch differs in spacing, case, zone and minute: still the same story.
    again = PUBLISHED.astimezone(timezone(timedelta(hours=-5))) + timedelta(minutes=30)
    assert ingest(conn, "newsapi", "Markets rally on rate cut", PUBLISHED) == 1
    assert ingest(conn, "newsapi", "  MARKETS rally\ton rate cut ", again) == 0
    assert rows.count("content_items") == 1
    # The first title is kept raw, as the source sent it.
    assert scalar(conn, "SELECT title FROM public.content_items") == "Markets rally on rate cut"


def test_same_story_from_two_sources_is_two_rows(conn, rows):
    assert ingest(conn, "newsapi", "Markets rally on rate cut", PUBLISHED) == 1
    assert ingest(conn, "guardian", "Markets rally on rate cut", PUBLISHED) == 1
    assert rows.count("content_items") == 2


def test_same_title_an_hour_later_is_another_story(conn, rows):
    assert ingest(conn, "newsapi", "Live: election results", PUBLISHED) == 1
    assert ingest(conn, "newsapi", "Live: election results", PUBLISHED + timedelta(hours=1)) == 1
    assert rows.count("content_items") == 2


def test_duplicate_hash_without_on_conflict_is_rejected(conn, rows):
    rows.item("newsapi", "Markets rally", PUBLISHED)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        rows.item("newsapi", "markets  RALLY", PUBLISHED)


@pytest.mark.parametrize("referrer", ["content_items", "content_runs", "api_usage_budget"])
def test_deleting_a_source_that_is_referenced_fails(conn, rows, referrer):
    make = {
        "content_items": lambda: rows.item("mediastack", "A story", PUBLISHED),
        "content_runs": lambda: rows.run("mediastack"),
        "api_usage_budget": lambda: rows.budget("mediastack", "2025-01-01", "2025-02-01"),
    }
    make[referrer]()
    # PostgreSQL 18 reports RESTRICT as restrict_violation (23001); 15 as 23503.
    refused = (psycopg2.errors.RestrictViolation, psycopg2.errors.ForeignKeyViolation)
    with pytest.raises(refused) as caught, conn.cursor() as cur:
        cur.execute("DELETE FROM public.content_sources WHERE source_key = 'mediastack'")
    assert caught.value.diag.constraint_name == f"{referrer}_source_id_fkey"
    assert rows.count(referrer) == 1
    assert rows.count("content_sources") == 3


def test_deleting_an_unreferenced_source_works(conn, rows):
    rows.item("newsapi", "A story", PUBLISHED)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM public.content_sources WHERE source_key = 'mediastack'")
        assert cur.rowcount == 1


def test_deleting_an_item_removes_its_category_links_and_seen_rows(conn, rows):
    doomed = rows.item("newsapi", "Doomed story", PUBLISHED)
    kept = rows.item("newsapi", "Kept story", PUBLISHED)
    user = rows.user("reader@example.com")
    for item in (doomed, kept):
        rows.link(item, "technology")
        rows.link(item, "business")
        rows.seen(user, item)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM public.content_items WHERE id = %s", (doomed,))
    assert scalar(conn, "SELECT count(*) FROM public.content_item_categories "
                        "WHERE content_item_id = %s", (doomed,)) == 0
    assert scalar(conn, "SELECT count(*) FROM public.user_content_seen "
                        "WHERE content_item_id = %s", (doomed,)) == 0
    assert rows.count("content_item_categories") == 2
    assert rows.count("user_content_seen") == 1


def test_deleting_a_category_removes_its_links_only(conn, rows):
    item = rows.item("newsapi", "A story", PUBLISHED)
    rows.link(item, "sports")
    rows.link(item, "health")
    with conn.cursor() as cur:
        cur.execute("DELETE FROM public.content_categories WHERE slug = 'sports'")
    assert scalar(conn, "SELECT array_agg(c.slug) FROM public.content_item_categories l "
                        "JOIN public.content_categories c ON c.id = l.category_id") == ["health"]
    assert rows.count("content_items") == 1


def test_deleting_an_auth_user_removes_their_seen_rows(conn, rows):
    item = rows.item("newsapi", "A story", PUBLISHED)
    leaving = rows.user("leaving@example.com")
    staying = rows.user("staying@example.com")
    rows.seen(leaving, item)
    rows.seen(staying, item)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM auth.users WHERE id = %s", (leaving,))
    remaining = scalar(conn, "SELECT array_agg(user_id::text) FROM public.user_content_seen")
    assert remaining == [staying]
    assert rows.count("content_items") == 1


def test_a_user_sees_an_item_once(conn, rows):
    item = rows.item("newsapi", "A story", PUBLISHED)
    user = rows.user("reader@example.com")
    rows.seen(user, item)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        rows.seen(user, item)


def test_a_bad_run_status_is_rejected(conn, rows):
    run = rows.run("newsapi")
    for status in ("completed", "failed", "cancelled", "running"):
        with conn.cursor() as cur:
            cur.execute("UPDATE public.content_runs SET status = %s WHERE id = %s", (status, run))
    with pytest.raises(psycopg2.errors.CheckViolation) as caught, conn.cursor() as cur:
        cur.execute("UPDATE public.content_runs SET status = 'done' WHERE id = %s", (run,))
    assert caught.value.diag.constraint_name == "content_runs_status_check"


@pytest.mark.parametrize(("table", "column"), [
    ("content_runs", "items_fetched"),
    ("content_runs", "items_created"),
    ("content_runs", "items_skipped"),
    ("content_runs", "items_updated"),
    ("api_usage_budget", "usage_count"),
    ("api_usage_budget", "budget_limit"),
    ("content_sources", "rate_limit_per_hour"),
])
def test_a_negative_count_or_limit_is_rejected(conn, rows, table, column):
    rows.run("newsapi")
    rows.budget("newsapi", "2025-01-01", "2025-02-01")
    update = f"UPDATE public.{table} SET {column} = %s"  # names from the list above
    with conn.cursor() as cur:
        cur.execute(update, (0,))
        assert cur.rowcount >= 1
    with pytest.raises(psycopg2.errors.CheckViolation), conn.cursor() as cur:
        cur.execute(update, (-1,))


def test_a_budget_period_must_end_after_it_starts(rows):
    with pytest.raises(psycopg2.errors.CheckViolation):
        rows.budget("newsapi", "2025-02-01", "2025-02-01")
    with pytest.raises(psycopg2.errors.CheckViolation):
        rows.budget("newsapi", "2025-02-01", "2025-01-01")


def test_one_budget_row_per_source_and_period(rows):
    rows.budget("newsapi", "2025-01-01", "2025-02-01")
    rows.budget("guardian", "2025-01-01", "2025-02-01")
    rows.budget("newsapi", "2025-02-01", "2025-03-01")
    with pytest.raises(psycopg2.errors.UniqueViolation):
        rows.budget("newsapi", "2025-01-01T00:00:00+00", "2025-02-01", limit=5)
    assert rows.count("api_usage_budget") == 3


def test_reference_data_is_idempotent(conn, rows):
    # Re-running schema.sql's reference-data INSERTs changes nothing: nothing duplicated,
    # and a value an admin changed is kept.
    with conn.cursor() as cur:
        cur.execute("UPDATE public.content_config SET config_value = '50' "
                    "WHERE config_key = 'ingestion.max_items_per_run'")
    before = {t: rows.count(t) for t in ("content_sources", "content_categories",
                                         "content_config")}
    with conn.cursor() as cur:
        for statement in reference_inserts():
            cur.execute(statement)
    assert {t: rows.count(t) for t in before} == before
    assert scalar(conn, "SELECT config_value FROM public.content_config "
                        "WHERE config_key = 'ingestion.max_items_per_run'") == 50


def reference_inserts() -> list[str]:
    """schema.sql's INSERT statements, split with the parser the tool uses."""
    statements = split_statements(read_sql(SCHEMA))
    inserts = [s.text for s in statements if s.text.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3
    return inserts
