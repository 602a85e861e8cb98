"""schemadiff lint: each rule fires on the hazard and stays silent without it; levels and silences.

The schema rules read a real catalog: each case applies its SQL to a fresh database
and lints the same SQL against it, as `diff` does with its generated migration.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cliproject import make_project, run, url_of
from schemadiff.errors import UsageError
from schemadiff.review.lint import Finding, check_config, lint


@pytest.fixture
def lint_sql(server, fresh_db):
    """lint_sql(sql, before="", rules={}, extra=()) -> findings of `sql` applied after `before`."""

    def go(sql: str, before: str = "", rules: dict[str, str] | None = None,
           extra: tuple[tuple[str, str], ...] = ()) -> list[Finding]:
        db = fresh_db("lint")
        conn = server.connect(db)
        try:
            with conn.cursor() as cur:
                if before:
                    cur.execute(before)
                cur.execute(sql)
            return lint(sql, "m.sql", rules or {}, conn, extra_sources=extra, pg_version="15.0")
        finally:
            conn.close()

    return go


def fired(findings: list[Finding], rule: str) -> list[tuple[int, str]]:
    """(line, level) of each finding of `rule`."""
    return [(f.line, f.level) for f in findings if f.rule == rule]


RLS = "alter table public.t enable row level security;\n"
T = "create table public.t (id int primary key, a int, b int, c int);\n"


# --- redundant-index ---------------------------------------------------------------------------


def test_redundant_index_fires_on_a_leading_prefix(lint_sql):
    found = lint_sql(T + "create index t_ab on public.t (a, b);\n"
                         "create index t_a on public.t (a);\n")
    assert fired(found, "redundant-index") == [(3, "warn")]
    assert "t_ab" in next(f.message for f in found if f.rule == "redundant-index")


def test_redundant_index_fires_on_a_copy_of_the_primary_key(lint_sql):
    found = lint_sql(T + "\ncreate index t_id on public.t (id);\n")
    assert fired(found, "redundant-index") == [(3, "warn")]
    assert "t_pkey" in next(f.message for f in found if f.rule == "redundant-index")


@pytest.mark.parametrize("index", [
    "create index t_b on public.t (b);",                       # another column
    "create index t_ba on public.t (b, a);",                   # not a prefix of (a, c)
    "create unique index t_a_u on public.t (a);",              # enforces uniqueness of a
    "create index t_a_part on public.t (a) where b > 0;",      # partial: other coverage
    "create index t_a_desc on public.t (a desc, c);",          # other ordering
], ids=["other-column", "other-order", "unique", "partial", "desc"])
def test_redundant_index_stays_silent(lint_sql, index):
    found = lint_sql(T + "create index t_ac on public.t (a, c);\n" + index + "\n")
    assert fired(found, "redundant-index") == []


# --- fk-without-index --------------------------------------------------------------------------


P = "create table public.p (id int, k int, primary key (id, k));\n"


def test_fk_without_index_fires(lint_sql):
    found = lint_sql(P + "create table public.c (id int primary key, pid int, pk int,\n"
                         "  constraint c_p_fkey foreign key (pid, pk) references public.p);\n")
    assert fired(found, "fk-without-index") == [(2, "warn")]
    assert "CREATE INDEX ON public.c (pid, pk)" in next(
        f.message for f in found if f.rule == "fk-without-index")


@pytest.mark.parametrize("index", [
    "create index c_pk_pid on public.c (pk, pid, id);",  # leads with both, other order
    "alter table public.c add constraint c_u unique (pid, pk);",
], ids=["index-any-order", "unique-constraint"])
def test_fk_without_index_stays_silent_when_an_index_leads_with_its_columns(lint_sql, index):
    found = lint_sql(P + "create table public.c (id int primary key, pid int, pk int,\n"
                         "  constraint c_p_fkey foreign key (pid, pk) references public.p);\n"
                     + index + "\n")
    assert fired(found, "fk-without-index") == []


def test_fk_without_index_ignores_an_index_that_leads_with_one_column_only(lint_sql):
    found = lint_sql(P + "create table public.c (id int primary key, pid int, pk int,\n"
                         "  constraint c_p_fkey foreign key (pid, pk) references public.p);\n"
                         "create index c_pid on public.c (pid, id);\n")
    assert fired(found, "fk-without-index") == [(2, "warn")]


# --- rls-disabled and rls-no-policy ------------------------------------------------------------


def test_rls_disabled_fires_on_an_exposed_table(lint_sql):
    assert fired(lint_sql(T), "rls-disabled") == [(1, "warn")]


def test_rls_disabled_stays_silent_with_rls_or_outside_exposed_schemas(lint_sql):
    assert fired(lint_sql(T + RLS), "rls-disabled") == []
    private = "create schema private;\ncreate table private.t (id int);\n"
    assert fired(lint_sql(private), "rls-disabled") == []


def test_rls_no_policy_is_information(lint_sql):
    assert fired(lint_sql(T + RLS), "rls-no-policy") == [(1, "info")]


def test_rls_no_policy_stays_silent_with_a_policy(lint_sql):
    policy = "create policy t_read on public.t for select to authenticated using (true);\n"
    assert fired(lint_sql(T + RLS + policy), "rls-no-policy") == []


def test_schema_rules_skip_objects_the_file_does_not_touch(lint_sql):
    found = lint_sql("create table public.other (id int primary key);\n"
                     "alter table public.other enable row level security;\n",
                     before=T)  # public.t: no RLS, but not this file's doing
    assert fired(found, "rls-disabled") == []


# --- the Supabase access hazards ---------------------------------------------------------------


def test_view_without_security_invoker_fires_in_an_exposed_schema(lint_sql):
    found = lint_sql(T + RLS + "create view public.v as select id from public.t;\n")
    assert fired(found, "view-without-security-invoker") == [(3, "warn")]
    assert "security_invoker = on" in next(
        f.message for f in found if f.rule == "view-without-security-invoker")


@pytest.mark.parametrize("view", [
    "create view public.v with (security_invoker = on) as select id from public.t;\n",
    "create view public.v as select id from public.t;\n"
    "alter view public.v set (security_invoker = true);\n",
    "create schema private;\ncreate view private.v as select id from public.t;\n",
], ids=["invoker", "set-later", "not-exposed"])
def test_view_without_security_invoker_stays_silent(lint_sql, view):
    assert fired(lint_sql(T + RLS + view), "view-without-security-invoker") == []


DEFINER = ("create function public.f() returns int language sql security definer\n"
           "as $$ select 1 $$;\n")


def test_security_definer_without_search_path_fires(lint_sql):
    found = lint_sql("\n" + DEFINER)
    assert fired(found, "security-definer-search-path") == [(2, "warn")]
    assert "SET search_path = ''" in next(
        f.message for f in found if f.rule == "security-definer-search-path")


@pytest.mark.parametrize("function", [
    DEFINER.replace("\nas", " set search_path = ''\nas"),
    DEFINER + "alter function public.f() set search_path = pg_catalog;\n",
    DEFINER.replace("security definer", "security invoker"),
], ids=["set", "set-later", "invoker"])
def test_security_definer_search_path_stays_silent(lint_sql, function):
    assert fired(lint_sql(function), "security-definer-search-path") == []


OWNED = "create table public.o (id int primary key, user_id uuid);\n" \
        "alter table public.o enable row level security;\n"


@pytest.mark.parametrize("condition", [
    "auth.uid() = user_id",
    "(select auth.uid()) = user_id or auth.uid() is null",
    "user_id::text = auth.jwt() ->> 'sub'",
], ids=["bare", "one-of-two-bare", "jwt"])
def test_auth_call_per_row_fires(lint_sql, condition):
    found = lint_sql(OWNED + f"create policy o_own on public.o for select\n"
                             f"  using ({condition});\n")
    assert fired(found, "auth-call-per-row") == [(3, "warn")]
    assert "(select auth." in next(f.message for f in found if f.rule == "auth-call-per-row")


def test_auth_call_per_row_stays_silent_when_selected_once(lint_sql):
    found = lint_sql(OWNED + "create policy o_own on public.o for all\n"
                             "  using ((select auth.uid()) = user_id)\n"
                             "  with check (user_id = (select auth.uid()));\n")
    assert fired(found, "auth-call-per-row") == []


def test_auth_call_per_row_reads_with_check_too(lint_sql):
    found = lint_sql(OWNED + "create policy o_add on public.o for insert\n"
                             "  with check (auth.uid() = user_id);\n")
    assert fired(found, "auth-call-per-row") == [(3, "warn")]


# --- squawk ---------------------------------------------------------------------------------


def test_squawk_flags_a_blocking_index_on_an_existing_table_at_its_line(lint_sql):
    found = lint_sql("\n-- an index on a table with traffic\ncreate index t_b on public.t (b);\n",
                     before=T + RLS)
    assert (3, "warn") in fired(found, "require-concurrent-index-creation")
    assert (3, "warn") in fired(found, "require-lock-timeout")


def test_squawk_lock_rules_stay_silent_for_a_table_created_in_the_same_file(lint_sql):
    found = lint_sql(T + RLS + "create index t_b on public.t (b);\n"
                     "comment on table public.t is 'new';\n")
    assert [f.rule for f in found if f.rule.startswith(("require-", "adding-"))] == []


def test_squawk_lock_rules_still_fire_after_statements_on_new_tables(lint_sql):
    found = lint_sql(T + RLS + "create index t_b on public.t (b);\n"
                     "alter table public.old add column n int not null default 0;\n",
                     before="create table public.old (id int);\n"
                            "alter table public.old enable row level security;\n")
    assert fired(found, "require-lock-timeout") == [(4, "warn")]


def test_squawk_style_rules_are_off_by_default_and_can_be_turned_on(lint_sql):
    sql = ("create table public.s (id int, at timestamp);\n"
           "alter table public.s enable row level security;\n")
    assert fired(lint_sql(sql), "prefer-timestamp-tz") == []
    assert fired(lint_sql(sql, rules={"prefer-timestamp-tz": "error"}),
                 "prefer-timestamp-tz") == [(1, "error")]


# --- levels and silences ----------------------------------------------------------------------


def test_levels_come_from_the_config(lint_sql):
    assert fired(lint_sql(T, rules={"rls-disabled": "error"}), "rls-disabled") == [(1, "error")]
    assert fired(lint_sql(T, rules={"rls-disabled": "off"}), "rls-disabled") == []


def test_unknown_rules_and_levels_are_refused():
    with pytest.raises(UsageError, match="no rule 'redundant-indexes'"):
        check_config({"redundant-indexes": "warn"}, "pyproject.toml")
    with pytest.raises(UsageError, match="must be one of off, info, warn, error"):
        check_config({"rls-disabled": "fatal"}, "pyproject.toml")


def test_a_silence_with_a_reason_silences_its_statement_only(lint_sql):
    sql = ("-- schemadiff-lint: ignore rls-disabled -- a public lookup table, read-only\n"
           + T + "create table public.u (id int);\n")
    found = lint_sql(sql)
    assert fired(found, "rls-disabled") == [(3, "warn")]  # public.u, not public.t
    assert fired(found, "lint-silence") == []


def test_a_silence_without_a_reason_silences_nothing_and_says_so(lint_sql):
    found = lint_sql("-- schemadiff-lint: ignore rls-disabled\n" + T)
    assert fired(found, "rls-disabled") == [(2, "warn")]
    assert fired(found, "lint-silence") == [(1, "warn")]


def test_a_silence_naming_an_unknown_rule_says_so(lint_sql):
    found = lint_sql("-- schemadiff-lint: ignore rls-disable -- typo\n" + T)
    assert fired(found, "lint-silence") == [(1, "warn")]
    assert "rls-disable" in next(f.message for f in found if f.rule == "lint-silence")


def test_a_silence_in_schema_sql_covers_the_generated_migration(lint_sql):
    schema = ("create table public.t (id int primary key, a int, b int, c int);\n"
              "-- schemadiff-lint: ignore rls-no-policy -- admin-only: service_role reads it\n"
              "alter table public.t enable row level security;\n")
    migration = T + RLS  # as generated: no comments
    assert fired(lint_sql(migration), "rls-no-policy") == [(1, "info")]
    assert fired(lint_sql(migration, extra=(("schema.sql", schema),)), "rls-no-policy") == []


# --- the command --------------------------------------------------------------------------------


def test_lint_command_exits_1_on_errors_0_on_warnings(tmp_path, server):
    migration = {"20250101000000_init.sql": T}
    env = {"SCHEMADIFF_DATABASE_URL": url_of(server)}
    warn = make_project(tmp_path / "warn", None, migrations=migration)
    done = run(warn, "lint", "--backend", "url", "-q", env=env)
    assert done.returncode == 0, done.stderr
    assert "supabase/migrations/20250101000000_init.sql:1:1: warn [rls-disabled]" in done.stdout

    strict = make_project(tmp_path / "strict", None, migrations=migration, pyproject=(
        '[tool.schemadiff]\n[tool.schemadiff.lint]\nrls-disabled = "error"\n'))
    done = run(strict, "lint", "--backend", "url", "-q", "--json", env=env)
    assert done.returncode == 1, done.stderr
    payload = json.loads(done.stdout)
    assert payload["ok"] is False
    assert [(f["rule"], f["level"], f["line"]) for f in payload["findings"]] == [
        ("rls-disabled", "error", 1)]


def test_lint_command_names_the_file_of_bad_sql(tmp_path, server):
    root = make_project(tmp_path, None, migrations={"20250101000000_init.sql": "creat table x;\n"})
    done = run(root, "lint", "--backend", "url", "-q",
               env={"SCHEMADIFF_DATABASE_URL": url_of(server)})
    assert done.returncode == 5
    assert "supabase/migrations/20250101000000_init.sql:1:1: syntax error" in done.stderr


FLUXA_MIGRATION = "supabase/migrations/20250115000000_content_ingestion_system.sql"

# The Fluxa schema's deliberate exceptions: (rule, text on the flagged line), and why.
DELIBERATE = {
    # The foreign key from user_content_seen to auth.users takes a brief SHARE ROW
    # EXCLUSIVE lock on auth.users (sign-ups wait for it); the table it is added to is
    # new and empty, so the lock is held for milliseconds.
    ("require-lock-timeout", "user_content_seen"),
    ("require-statement-timeout", "user_content_seen"),
    # The same foreign key, when the migration adds it by ALTER TABLE after creating the
    # table: NOT VALID would buy nothing, validating an empty table is instant.
    ("adding-foreign-key-constraint", "user_content_seen"),
    ("constraint-missing-not-valid", "user_content_seen"),
}


@pytest.mark.parametrize("target", ["schema.sql", FLUXA_MIGRATION])
def test_fluxa_lints_clean_but_for_deliberate_exceptions(server, target):
    """The Fluxa schema and its migration: nothing above info beyond DELIBERATE."""
    repo = Path(__file__).resolve().parent.parent
    if not (repo / target).is_file():
        pytest.skip(f"no {target} in this checkout yet")
    done = run(repo, "lint", target, "--backend", "url", "-q", "--json",
               env={"SCHEMADIFF_DATABASE_URL": url_of(server)})
    assert done.returncode == 0, done.stderr
    lines = (repo / target).read_text().splitlines()
    unexpected = [
        f for f in json.loads(done.stdout)["findings"]
        if f["level"] != "info" and not any(
            rule == f["rule"] and text in lines[f["line"] - 1] for rule, text in DELIBERATE)
    ]
    assert unexpected == []
