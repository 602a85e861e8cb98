"""Generated SQL as an engineer would write it: settings that end with the migration's
transaction, and section headers that name what they hold."""

from __future__ import annotations

from pathlib import Path

from cliproject import make_project
from schemadiff.apply import apply_sql
from schemadiff.sources import SqlFile

SCHEMA = ("create table public.t (id int primary key);\n"
          "create function public.t_count() returns bigint language sql\n"
          "    as $$ select count(*) from public.t $$;\n")


def test_function_body_checks_are_off_for_the_transaction_only(tmp_path, cli):
    root = make_project(tmp_path / "p", schema=SCHEMA)
    result = cli(root)("diff", "init")
    assert result.exit_code == 0, result.output
    migration = next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    assert "set local check_function_bodies = off;" in migration
    assert "\nset check_function_bodies" not in migration
    assert "-- settings\n" in migration and "VariableSetStmt" not in migration


def test_constraints_of_a_new_table_are_added_valid_and_of_an_old_one_not_valid(tmp_path,
                                                                                 cli):
    tables = ("create table public.a (id int primary key, n int check (n > 0));\n"
              "create table public.b (id int primary key, a_id int references public.a (id),\n"
              "                       m int check (m > 0));\n")
    root = make_project(tmp_path / "p", schema=tables)
    run = cli(root)
    assert run("diff", "init", "--version", "20250101000000").exit_code == 0
    created = next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    assert "foreign key" in created.lower() and "check" in created.lower()
    assert "not valid" not in created.lower() and "validate constraint" not in created.lower()
    # On a table that exists already, NOT VALID then VALIDATE keeps the lock short.
    (root / "schema.sql").write_text(tables.replace("(m > 0)", "(m > 0),\n  check (m < 9)"))
    assert run("diff", "limit_m", "--version", "20250102000000").exit_code == 0
    changed = next((root / "supabase/migrations").glob("*_limit_m.sql")).read_text()
    assert "not valid" in changed.lower() and "validate constraint" in changed.lower()
    assert run("check").exit_code == 0


QUALIFIED = """\
create table public.widgets (id int primary key, name text not null);
create type public.mood as enum ('ok', 'bad');
create domain public.positive as int check (value > 0);
create table public.parts (id int primary key, widget int references public.widgets (id),
  mood public.mood not null default 'ok', moods public.mood[], qty public.positive);
create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger parts_touch before update on public.parts for each row
  execute function public.touch();
alter table public.parts enable row level security;
grant select on public.parts to authenticated;
"""


def test_names_are_schema_qualified_and_default_grants_left_out(tmp_path, cli, server,
                                                                 fresh_db):
    root = make_project(tmp_path / "p", schema=QUALIFIED)
    assert cli(root)("diff", "init").exit_code == 0
    migration = next((root / "supabase/migrations").glob("*_init.sql")).read_text()
    assert "REFERENCES public.widgets(id)" in migration
    assert "EXECUTE FUNCTION public.touch()" in migration
    assert '"mood" public.mood not null default \'ok\'::public.mood' in migration
    assert '"moods" public.mood[]' in migration and '"qty" public.positive' in migration
    assert "-- domain public.positive" in migration and "DomainStmt" not in migration
    # TRUNCATE, REFERENCES and TRIGGER come with CREATE TABLE (Supabase's default
    # privileges in public): the one grant that changes anything is schema.sql's.
    grants = [line for line in migration.splitlines() if line.lower().startswith("grant")]
    assert grants == ['grant select on table "public"."parts" to "authenticated";']
    # It applies with nothing on the search_path, and gives the same privileges.
    db = fresh_db()
    conn = server.connect(db, autocommit=False)
    try:
        with conn.cursor() as cur:
            cur.execute("select set_config('search_path', '', false)")
        conn.commit()
        apply_sql(conn, SqlFile(Path("init.sql"), migration))
        with conn.cursor() as cur:
            cur.execute("select grantee::regrole::text, privilege_type from "
                        "aclexplode((select relacl from pg_class where oid = "
                        "'public.parts'::regclass)) where grantee::regrole::text in "
                        "('anon', 'authenticated') and privilege_type <> 'MAINTAIN' "
                        "order by 1, 2")
            held = cur.fetchall()
    finally:
        conn.close()
    assert held == [(role, p) for role in ("anon", "authenticated")
                    for p in sorted({"REFERENCES", "TRIGGER", "TRUNCATE"}
                                    | ({"SELECT"} if role == "authenticated" else set()))]
