"""Realistic Supabase application histories (tests/fixtures/app_history*/migrations):
schemadiff must produce migrations that apply and verify, both ways and under both judges,
from an empty project and from the history's midpoint to its final state, on the default
backend (local PG15 here) and on the embedded one (PG18).

Every folder under tests/fixtures/ whose name starts with `app_history` is one history, our
own, written as Supabase projects write them (`supabase migration new` files, no
BEGIN/COMMIT: each migration is replayed in its own transaction, as Supabase does):

- app_history: a small team task board over two managed schemas (public, app) with
  security-definer helpers, a trigger on auth.users, RLS policies on auth.uid(), policies on
  storage.objects, realtime publication changes, enums that gain values, a renamed column;
- app_history_billing: a SaaS billing backend (public, billing), half of it in the style
  `supabase db diff` writes (quoted names, indexes then `add constraint … using index`,
  one grant per privilege), with API keys hashed by crypt(), a Stripe-sync webhook through
  pg_net with its URL and token in Vault, pg_cron jobs, an http-fetching job, invoice PDFs
  in a private bucket;
- app_history_chat: a chat app (public only), hand-written, with realtime.messages
  authorization on realtime.topic(), broadcast triggers, pg_graphql comments, pgjwt tokens,
  room passcodes hashed by crypt(), avatars and attachments buckets.

Each history's later migrations alter what its earlier ones created (enum values, a column
rename, replaced functions and policies, publication membership, grants, bucket rows), so
the midpoint → final migration is made of changes, not only of creations. The rows a history
INSERTs (billing's plans, bucket rows in storage.buckets) are reference data, as the same
INSERTs in schema.sql would be: they are migrated and compared too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from roundtrip import render_sections
from schemadiff.build import apply_into
from schemadiff.data.declared import ReferenceTable, declared_tables
from schemadiff.diff.plan import make_plans
from schemadiff.errors import NoPostgresError, VerificationError
from schemadiff.inspect.scope import Scope
from schemadiff.inspect.views import Views
from schemadiff.proof.compare import Judge
from schemadiff.proof.verify import prove_first
from schemadiff.scratch import scratch_server
from schemadiff.sources import SqlFile

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class History:
    """What a history is expected to hold and what its midpoint migration must look like."""

    schemas: tuple[str, ...] = ("public",)
    min_migrations: int = 10
    needles: tuple[str, ...] = ()  # lowercase substrings its migrations must contain
    empty_up: tuple[str, ...] = ()  # substrings of the empty → final migration
    midpoint_up: tuple[str, ...] = ()  # substrings of the midpoint → final migration
    midpoint_not_up: tuple[str, ...] = ()  # … and what it must not contain


# The features issue 13 lists that real Supabase apps use; between them, the histories
# written for it (billing, chat) use every one (test_the_histories_use_every_feature).
# Not `vector`: only the embedded PG18 server has it, and every history runs on local PG15.
FEATURES = (
    "gen_random_bytes(", "uuid_generate_v4()", "crypt(", "gen_salt('bf'",
    "create extension if not exists pg_net with schema extensions",
    "create extension if not exists pg_cron with schema pg_catalog",
    "create extension if not exists pgjwt with schema extensions",
    "create extension if not exists http with schema extensions",
    "create extension if not exists pg_graphql with schema graphql",
    "create extension if not exists supabase_vault with schema vault",
    "vault.create_secret(", "cron.schedule(", "net.http_post(",
    "on storage.objects", "owner_id", "storage.foldername(name)", "insert into storage.buckets",
    "on realtime.messages", "realtime.topic()", "alter publication supabase_realtime add table",
    "on auth.users", "raw_user_meta_data", "security definer", "set search_path = ''",
    "to anon", "to authenticated", "to service_role", "add value", "rename column",
    "security_invoker",
)

HISTORIES = {
    "app_history": History(
        schemas=("public", "app"),
        min_migrations=20,
        needles=("create schema app", "on auth.users", "auth.uid()", "supabase_realtime",
                 "add value", "rename column", "on storage.objects", "security definer"),
        # The enum additions after the midpoint are made in place, not by re-creation.
        midpoint_up=("add value 'blocked' after 'doing'", "add value 'admin' after 'owner'"),
        midpoint_not_up=("__old_version_to_be_dropped",),
    ),
    "app_history_billing": History(
        schemas=("public", "billing"),
        needles=FEATURES[:4] + (
            "create extension if not exists pg_net with schema extensions",
            "create extension if not exists pg_cron with schema pg_catalog",
            "create extension if not exists http with schema extensions",
            "create extension if not exists supabase_vault with schema vault",
            "vault.create_secret(", "net.http_post(", "extensions.http_get(",
            "cron.schedule(", "cron.unschedule(",
            "on storage.objects", "storage.foldername(name)", "owner_id",
            "insert into storage.buckets", "alter publication supabase_realtime add table",
            "on auth.users", "raw_user_meta_data", "security definer", "set search_path = ''",
            "to anon", "to authenticated", "to service_role", "add value", "rename column",
            "security_invoker", "create or replace function billing.handle_new_user()",
            # `supabase db diff` style
            'alter table "public"."organizations" add constraint "organizations_pkey" '
            'primary key using index "organizations_pkey"',
        ),
        # Reference data: the seeded plans and the invoices bucket (the later size limit).
        empty_up=("INSERT INTO public.plans (id, name, price_cents, billing_interval, "
                  "seats_included) VALUES ('pro_yearly', 'Pro (yearly)', 29000, "
                  "'year'::public.billing_interval, 5) ON CONFLICT (id) DO NOTHING;",
                  "VALUES ('invoices', 'invoices', false, 10485760, '{application/pdf}'"),
        # Enum values nothing uses yet are added in place; the bucket's limit is raised.
        # The raise applies only where the bucket still has the old declared limit (#15).
        midpoint_up=("'{application/pdf}'::text[]) ON CONFLICT (id) DO UPDATE SET "
                     "file_size_limit = EXCLUDED.file_size_limit WHERE "
                     "storage.buckets.file_size_limit IS NOT DISTINCT FROM 5242880;",
                     "add value 'past_due' after 'active'",
                     "add value 'incomplete' before 'trialing'",
                     "add value 'viewer' after 'member'",
                     'ALTER PUBLICATION "supabase_realtime" ADD TABLE "public"."subscriptions"',
                     'ALTER VIEW "public"."monthly_usage" SET ("security_invoker" = \'true\')',
                     'revoke select on table "public"."plans" from "anon"'),
        midpoint_not_up=("__old_version_to_be_dropped",),
    ),
    "app_history_chat": History(
        schemas=("public",),
        needles=("uuid_generate_v4()", "gen_random_bytes(", "crypt(", "gen_salt('bf'",
                 "create extension if not exists pg_graphql with schema graphql",
                 "create extension if not exists pgjwt with schema extensions",
                 "create extension if not exists pg_net with schema extensions",
                 "create extension if not exists pg_cron with schema pg_catalog",
                 "create extension if not exists supabase_vault with schema vault",
                 "extensions.sign(", "vault.create_secret(", "net.http_post(",
                 "cron.schedule(", "@graphql(",
                 "on realtime.messages", "realtime.topic()", "realtime.broadcast_changes(",
                 "alter publication supabase_realtime add table",
                 "alter publication supabase_realtime drop table",
                 "on storage.objects", "owner_id", "storage.foldername(name)",
                 "insert into storage.buckets", "on auth.users", "raw_user_meta_data",
                 "security definer", "set search_path = ''", "to anon", "to authenticated",
                 "to service_role", "add value", "rename column", "security_invoker"),
        empty_up=("VALUES ('avatars', 'avatars', true, 2097152, "
                  "'{image/png,image/jpeg,image/webp}'::text[]) ON CONFLICT (id) DO NOTHING;",),
        # 'file' is used (by a partial index) in the same migration that adds it, which
        # Postgres refuses before the ADD VALUE commits: the label is added first, in a
        # transaction of its own. The attachments bucket is new, the avatars one gets its
        # new size limit.
        midpoint_up=("VALUES ('attachments', 'attachments', false, 26214400, NULL) "
                     "ON CONFLICT (id) DO NOTHING;",
                     "'{image/png,image/jpeg,image/webp}'::text[]) ON CONFLICT (id) DO UPDATE "
                     "SET file_size_limit = EXCLUDED.file_size_limit WHERE "
                     "storage.buckets.file_size_limit IS NOT DISTINCT FROM 1048576;",
                     "BEGIN;\nalter type \"public\".\"message_kind\" add value if not exists "
                     "'file' after 'image';",
                     "WHERE (kind = 'file'::public.message_kind)",
                     'ALTER PUBLICATION "supabase_realtime" DROP TABLE "public"."messages"',
                     'ALTER PUBLICATION "supabase_realtime" ADD TABLE "public"."reactions"',
                     'ALTER VIEW "public"."room_unread_counts" SET ("security_invoker" = \'on\')',
                     'revoke select on table "public"."profiles" from "anon"'),
        midpoint_not_up=("__old_version_to_be_dropped",),
    ),
}

FOLDERS = sorted(p.parent.name for p in FIXTURES.glob("app_history*/migrations"))


def _history(name: str) -> History:
    return HISTORIES.get(name, History())


def _migrations(name: str) -> list[Path]:
    return sorted((FIXTURES / name / "migrations").glob("*.sql"))


def _text(name: str) -> str:
    return "\n".join(p.read_text() for p in _migrations(name)).lower()


# --- servers -------------------------------------------------------------------------------

BACKENDS = ["default", "embedded"]


@pytest.fixture(scope="module")
def embedded_scratch():
    """An embedded (PG18) server for this module, beside the session's default one."""
    try:
        manager = scratch_server("embedded")
        pair = manager.__enter__()
    except NoPostgresError as exc:
        if os.environ.get("SCHEMADIFF_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"no embedded Postgres: {exc}", pytrace=False)
        pytest.skip(f"no embedded Postgres: {exc}")
    try:
        yield pair
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture
def on(request, scratch):
    """(server, databases) of the test's backend parameter."""
    if request.param == "default":
        return scratch
    if scratch[0].backend.name == "embedded":
        pytest.skip("the default backend is the embedded one already")
    return request.getfixturevalue("embedded_scratch")


# --- the histories -------------------------------------------------------------------------


def test_every_history_folder_is_found():
    assert set(HISTORIES) <= set(FOLDERS), "a described history has no migrations folder"
    assert len(FOLDERS) >= 3


@pytest.mark.parametrize("name", FOLDERS)
def test_history_is_realistic(name):
    history = _history(name)
    names = [p.name for p in _migrations(name)]
    assert len(names) >= history.min_migrations
    assert all(len(n.split("_", 1)[0]) == 14 and n.split("_", 1)[0].isdigit() for n in names)
    assert len({n.split("_", 1)[0] for n in names}) == len(names), "versions must be unique"
    text = _text(name)
    for needle in history.needles:
        assert needle.lower() in text, needle
    # As `supabase migration new` files: no transaction control (each file is replayed in a
    # transaction of its own; plpgsql's `begin` has no semicolon).
    statements = {line.strip() for line in text.splitlines()}
    assert not statements & {"begin;", "commit;", "start transaction;", "rollback;"}


def test_the_histories_use_every_feature():
    """Between them, the histories written for issue 13 use all of what it lists."""
    text = _text("app_history_billing") + _text("app_history_chat")
    missing = [needle for needle in FEATURES if needle.lower() not in text]
    assert not missing, missing


def _replay(server, databases, folder: str, files: list[Path]) -> str:
    dbname = databases.create(folder.removeprefix("app_"))
    for path in files:
        apply_into(server, dbname, path)
    return dbname


def _reference(server, name: str, scope: Scope, final: str) -> list[ReferenceTable]:
    """The tables the history INSERTs into (storage.buckets, billing's plans): what the CLI
    manages as reference data when schema.sql holds the final state with the same INSERTs.
    Their rows are compared, and migrated, with the rest."""
    source = SqlFile(FIXTURES / name, "\n".join(p.read_text() for p in _migrations(name)))
    conn = server.connect(final)
    try:
        return declared_tables(source, {}, scope, conn)
    finally:
        conn.close()


def _prove(server, databases, scope: Scope, current: str, desired: str, label: str,
           reference: list[ReferenceTable]):
    views = Views(server, scope)
    plans = make_plans(views, current, desired, reference)
    return prove_first(
        Judge(views, reference), databases, current, desired, plans,
        lambda p: ((f"{label}/up", render_sections(p.up)),
                   (f"{label}/down", render_sections(p.down))),
    )


@dataclass(frozen=True)
class KnownBug:
    reason: str
    signature: tuple[str, ...]  # in the proof's error: a different failure is not this bug


# Cases a schemadiff bug keeps from converging (on every backend): the proof refuses them.
# Strict: when the bug is fixed the case passes, and its entry must go.
KNOWN_BUGS: dict[tuple[str, str], KnownBug] = {}


def _cases():
    for name in FOLDERS:
        for start in ("empty", "midpoint"):
            bug = KNOWN_BUGS.get((name, start))
            marks = ([pytest.mark.xfail(strict=True, raises=VerificationError, reason=bug.reason)]
                     if bug else [])
            yield pytest.param(name, start, id=f"{name}-{start}", marks=marks)


@pytest.mark.parametrize("on", BACKENDS, indirect=True)
@pytest.mark.parametrize(("name", "start"), list(_cases()))
def test_diff_to_final_state_applies_and_verifies(on, name, start):
    server, databases = on
    history, migrations = _history(name), _migrations(name)
    final = _replay(server, databases, name, migrations)
    begin = _replay(server, databases, name,
                    migrations[:len(migrations) // 2] if start == "midpoint" else [])
    try:
        try:
            scope = Scope(history.schemas)
            plan, up, down = _prove(server, databases, scope, begin, final, f"{name}_{start}",
                                    _reference(server, name, scope, final))
        except VerificationError as exc:
            bug = KNOWN_BUGS.get((name, start))
            for part in bug.signature if bug else ():
                assert part in str(exc), f"not the known bug ({part!r} missing):\n{exc}"
            raise
        assert plan.up_statements() and plan.down_statements()
        for wanted in history.empty_up if start == "empty" else ():
            assert wanted in up, wanted
        if start == "midpoint":
            for wanted in history.midpoint_up:
                assert wanted in up, wanted
            for unwanted in history.midpoint_not_up:
                assert unwanted not in up, unwanted
    finally:
        databases.drop(begin)
        databases.drop(final)

