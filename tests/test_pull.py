"""`schemadiff pull`: schema.sql written from the migrations or from a live database, laid
out per table, proven (the tool's own `check` then passes on it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cliproject import copy_fluxa, make_project, url_of
from pgquery import query
from schemadiff.apply import apply_to
from schemadiff.sources import SqlFile

FIXTURES = Path(__file__).parent / "fixtures"
PYPROJECT = ('[tool.schemadiff]\nschemas = ["public"]\n'
             'reference_tables = { "public.kinds" = ["code"] }\n')

HISTORY = {
    "20260101000000_kinds.sql": """
create table public.kinds (id bigint generated always as identity primary key,
                           code text not null unique, label text not null);
comment on table public.kinds is 'What a thing can be';
insert into public.kinds (code, label) values ('a', 'Alpha'), ('b', 'It''s B');
alter table public.kinds enable row level security;
grant select on table public.kinds to authenticated;
""",
    "20260102000000_things.sql": """
create table public.things (id uuid primary key default gen_random_uuid(),
                            kind_id bigint not null references public.kinds (id),
                            owner uuid references auth.users (id),
                            note text);
create index things_kind_id_idx on public.things (kind_id);
alter table public.things enable row level security;
create policy things_own on public.things for select to authenticated
    using ((select auth.uid()) = owner);
create function public.on_signup() returns trigger language plpgsql security definer
    set search_path = '' as $$ begin return new; end $$;
create trigger on_signup after insert on auth.users
    for each row execute function public.on_signup();
create policy avatars_read on storage.objects for select to authenticated
    using (bucket_id = 'avatars');
""",
}


def test_pull_from_history_writes_a_schema_that_check_accepts(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=None, migrations=HISTORY, pyproject=PYPROJECT)
    run = cli(root)
    result = run("pull")
    assert result.exit_code == 0, result.output
    text = (root / "schema.sql").read_text()
    # Per table: the table's banner, then its own indexes and policies before the next one.
    kinds, things = text.index("-- public.kinds\n"), text.index("-- public.things\n")
    assert kinds < things < text.index("things_kind_id_idx") < text.index("things_own")
    assert "'What a thing can be'" in text
    assert "not valid" not in text.lower()  # declared tables: constraints added valid
    # Reference rows of the configured table, as INSERTs matched by their natural key.
    assert "It''s B" in text and "on conflict" in text.lower()
    # What the project put on platform tables is kept; the platform itself is not written.
    assert "avatars_read" in text and "on_signup" in text
    assert 'create table "auth"' not in text.lower() and "supabase_realtime" not in text
    check = run("check")
    assert check.exit_code == 0, check.output


PRIVATE_HELPERS = {"20260101000000_groups.sql": """
create schema if not exists private;
create table public.members (group_id bigint not null, user_id uuid not null);
create function private.in_group(g bigint) returns boolean language sql stable
    as $$ select exists (select 1 from public.members m
                         where m.group_id = g and m.user_id = auth.uid()) $$;
create table public.posts (id bigint primary key, group_id bigint not null);
alter table public.posts enable row level security;
create policy posts_read on public.posts for select to authenticated
    using (private.in_group(group_id));
"""}


def test_pull_names_a_schema_the_history_creates_but_the_config_does_not_manage(
        tmp_path, cli):
    """A real app keeps its policy helpers in schema `private`: pull says to manage it
    (not "a schemadiff bug"), and writes schema.sql once it is managed."""
    root = make_project(tmp_path / "p", schema=None, migrations=PRIVATE_HELPERS,
                        pyproject='[tool.schemadiff]\nschemas = ["public"]\n')
    result = cli(root)("pull")
    assert result.exit_code == 2, result.output
    assert "create schema(s) private, which `schemas`" in result.output, result.output
    assert "schemadiff bug" not in result.output
    assert not (root / "schema.sql").exists()
    (root / "pyproject.toml").write_text('[tool.schemadiff]\nschemas = ["public", "private"]\n')
    result = cli(root)("pull")
    assert result.exit_code == 0, result.output
    assert "private.in_group" in (root / "schema.sql").read_text()


def test_pull_refuses_to_overwrite_schema_sql(tmp_path, cli):
    root = make_project(tmp_path / "p", schema="create table public.t (id int);\n",
                        migrations=HISTORY, pyproject=PYPROJECT)
    result = cli(root)("pull")
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (root / "schema.sql").read_text() == "create table public.t (id int);\n"


def live_database(server, fresh_db, *sources: str) -> tuple[str, str]:
    """(name, URL) of a database on the session server holding `sources`: the "live" one."""
    dbname = fresh_db("live")
    for number, text in enumerate(sources):
        apply_to(server, dbname, SqlFile(Path(f"live-{number}.sql"), text))
    return dbname, url_of(server).replace(f"/{server.admin_db}?", f"/{dbname}?")


def test_pull_from_a_live_database_writes_schema_and_baseline(tmp_path, cli, server,
                                                               fresh_db):
    hand_made = "alter table public.things add column priority int not null default 0;"
    dbname, url = live_database(server, fresh_db, *HISTORY.values(), hand_made)
    # The history knows only the first migration; the live database has everything.
    first = dict(list(HISTORY.items())[:1])
    root = make_project(tmp_path / "p", schema=None, migrations=first, pyproject=PYPROJECT)
    run = cli(root)
    result = run("pull", "--db-url", url)
    assert result.exit_code == 0, result.output
    assert "priority" in (root / "schema.sql").read_text()
    baselines = sorted((root / "supabase" / "migrations").glob("*_baseline.sql"))
    assert len(baselines) == 1 and "priority" in baselines[0].read_text()
    assert "migration repair --status applied" in result.output
    assert run("check").exit_code == 0
    # The live database was only read.
    assert query(server, "select count(*) from public.kinds", dbname) == [(2,)]


def test_pull_from_a_bad_url_is_exit_4(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=None, pyproject=PYPROJECT)
    result = cli(root)("pull", "--db-url", "postgresql://nobody:secret@127.0.0.1:1/x")
    assert result.exit_code == 4, result.output
    assert "secret" not in result.output
    assert not (root / "schema.sql").exists()


def test_pull_from_a_url_that_is_not_postgres_is_exit_2(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=None, pyproject=PYPROJECT)
    result = cli(root)("pull", "--db-url", "https://user:secret@example.invalid/db")
    assert result.exit_code == 2, result.output
    assert "--db-url must be a postgresql:// URL" in result.output
    assert "secret" not in result.output


def test_pull_json(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=None, migrations=HISTORY, pyproject=PYPROJECT)
    result = cli(root)("pull", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["tables"] == ["public.kinds", "public.things"]
    assert payload["reference_tables"] == ["public.kinds"]


@pytest.mark.parametrize(("history", "schemas"), [
    ("app_history", ["public", "app"]),
    ("app_history_billing", ["public", "billing"]),
    ("app_history_chat", ["public"]),
])
def test_pull_adopts_the_app_histories(tmp_path, cli, history, schemas):
    """Real-app histories (enums with added values, functions, triggers on auth.users,
    storage and realtime policies, views, extensions): pull writes what check accepts."""
    migrations = {p.name: p.read_text()
                  for p in sorted((FIXTURES / history / "migrations").glob("*.sql"))}
    pyproject = f"[tool.schemadiff]\nschemas = {json.dumps(schemas)}\n"
    root = make_project(tmp_path / "p", schema=None, migrations=migrations, pyproject=pyproject)
    run = cli(root)
    result = run("pull")
    assert result.exit_code == 0, result.output
    text = (root / "schema.sql").read_text()
    history_text = "\n".join(migrations.values()).lower()
    if "on storage.objects" in history_text:
        assert 'on "storage"."objects"' in text  # the project's policies on it
    assert 'create table "storage"' not in text.lower()  # the platform's own, never
    if "insert into storage.buckets" in history_text:  # the project's buckets, public flag too
        assert "INSERT INTO storage.buckets (id, name, public," in text
    check = run("check")
    assert check.exit_code == 0, check.output


def test_pull_adopts_fluxas_history(tmp_path, cli):
    """This repository's migrations: pull writes a schema.sql that check accepts, with the
    reference rows the repository's schema.sql declares when it is replaced (--force)."""
    root = copy_fluxa(tmp_path / "fluxa")
    run = cli(root)
    result = run("pull", "--force")
    assert result.exit_code == 0, result.output
    text = (root / "schema.sql").read_text()
    assert text.count("-- public.") >= 8  # a banner per table
    assert "INSERT INTO public.content_config" in text
    assert run("check").exit_code == 0
