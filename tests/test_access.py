"""The access model against what Postgres really allows, and the access review in `diff`.

`schemadiff access --json` must say, for every (object, role, command), what the probe
(tests/accessprobe.py) finds by trying it as anon and as two authenticated users: on the
Fluxa schema and on a fixture folder per hazard (tests/fixtures/access/<case>/schema.sql,
rows.sql holding the rows the probe tries).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accessprobe import USERS_SQL, probe
from cliproject import make_project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "access"
ROLES = ["anon", "authenticated"]
SCHEMAS = ["public", "graphql_public", "api"]
PYPROJECT = ('[tool.schemadiff]\nschemas = ["public"]\n'
             f'exposed_schemas = {json.dumps(SCHEMAS)}\n')


def model_of(invoke) -> dict[tuple[str, str, str], dict]:
    done = invoke("access", "--json")
    assert done.exit_code == 0, done.output
    return {(e["object"], e["role"], e["command"]): e
            for e in json.loads(done.stdout)["access"]}


def probed(server, fresh_db, schema: str, rows: str) -> dict[tuple[str, str, str], str]:
    db = fresh_db("access")
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(schema)
            cur.execute(USERS_SQL + rows)
        return probe(conn, ROLES, SCHEMAS)
    finally:
        conn.close()


def disagreements(model: dict, found: dict) -> list[str]:
    keys = sorted(set(model) | set(found))
    return [f"{key}: model {model[key]['reach'] if key in model else 'absent'}, "
            f"database {found.get(key, 'absent')}"
            for key in keys if key not in model or key not in found
            or model[key]["reach"] != found[key]]


CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_model_agrees_with_the_database(case, cli, server, fresh_db, tmp_path):
    schema = (FIXTURES / case / "schema.sql").read_text()
    rows = (FIXTURES / case / "rows.sql").read_text()
    model = model_of(cli(make_project(tmp_path, schema, pyproject=PYPROJECT)))
    found = probed(server, fresh_db, schema, rows)
    assert disagreements(model, found) == []
    # Every level shows up somewhere, or the comparison could not tell them apart.
    assert {"all", "none"} <= set(found.values())


def test_model_of_fluxa_agrees_with_the_database(cli, server, fresh_db):
    schema = (REPO / "schema.sql").read_text()
    # The repository's platform_sql tables (public.gists, public.raw_trends) are declared
    # by name only, with no column a probe could write: compared are schema.sql's objects.
    model = {key: reach for key, reach in model_of(cli(REPO)).items()
             if key[0] not in ("public.gists", "public.raw_trends")}
    found = probed(server, fresh_db, schema, (FIXTURES / "fluxa_rows.sql").read_text())
    assert disagreements(model, found) == []
    # The acceptance: authenticated selects and inserts its own rows; anon nothing.
    seen = {(role, command): model[("public.user_content_seen", role, command)]["reach"]
            for role in ROLES for command in ("SELECT", "INSERT", "UPDATE", "DELETE")}
    assert seen == {("authenticated", "SELECT"): "policy", ("authenticated", "INSERT"): "policy",
                    ("authenticated", "UPDATE"): "none", ("authenticated", "DELETE"): "none",
                    **{("anon", c): "none" for c in ("SELECT", "INSERT", "UPDATE", "DELETE")}}
    select = model[("public.user_content_seen", "authenticated", "SELECT")]["policies"]
    assert [p["name"] for p in select] == ["user_content_seen_select_own"]
    assert "auth.uid()" in select[0]["expression"]
    anon = {k: v for k, v in model.items() if k[1] == "anon" and k[0].startswith("public.")}
    assert anon and {e["reach"] for e in anon.values()} == {"none"}


def test_hazards_are_explained(cli, tmp_path):
    model = model_of(cli(make_project(tmp_path, (FIXTURES / "hazards/schema.sql").read_text(),
                                      pyproject=PYPROJECT)))
    notes = model[("public.notes", "anon", "SELECT")]
    assert (notes["reach"], notes["why"]) == ("all", "row-level security off")
    seen = model[("public.seen", "anon", "SELECT")]
    assert seen["reach"] == "all" and [p["name"] for p in seen["policies"]] == ["seen_anon"]
    definer = model[("public.count_seen()", "anon", "EXECUTE")]
    assert definer["reach"] == "all" and definer["runs_as"].startswith("owner ")
    view = model[("public.seen_all", "authenticated", "SELECT")]
    assert view["reach"] == "all" and view["runs_as"].startswith("owner ")
    invoker = model[("public.seen_mine", "authenticated", "SELECT")]
    assert invoker["reach"] == "policy" and invoker["runs_as"] == "caller"


def test_table_output_has_a_row_per_object_and_role(cli, tmp_path):
    invoke = cli(make_project(tmp_path, (FIXTURES / "hazards/schema.sql").read_text(),
                              pyproject=PYPROJECT))
    done = invoke("access")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["object", "kind", "role", "SELECT", "INSERT", "UPDATE",
                                "DELETE", "EXECUTE"]
    row = next(line.split() for line in lines
               if line.startswith("public.seen ") and " authenticated " in line)
    assert row[3:5] == ["policy", "policy"]
    assert any("seen_select_own: (( SELECT auth.uid() AS uid) = user_id)" in line
               for line in lines)


# --- the review in diff -------------------------------------------------------------------------

BASE = """\
create table public.items (id int primary key, title text);
alter table public.items enable row level security;

create table public.user_content_seen (
    user_id uuid not null references auth.users (id),
    item_id int not null,
    primary key (user_id, item_id)
);
alter table public.user_content_seen enable row level security;
grant select, insert on public.user_content_seen to authenticated;
create policy user_content_seen_select_own on public.user_content_seen
    for select to authenticated using ((select auth.uid()) = user_id);
create policy user_content_seen_insert_own on public.user_content_seen
    for insert to authenticated with check ((select auth.uid()) = user_id);
"""

WIDENINGS = {
    # Each names its grants in full (revoke, then grant), so it means the same whatever
    # the platform's default privileges in public are.
    "table-without-rls": (
        "create table public.open (id int primary key);\n"
        "revoke all on public.open from anon, authenticated;\n"
        "grant select, insert on public.open to anon;\n",
        "anon", "SELECT", "public.open"),
    "policy-for-anon": (
        "grant select on public.user_content_seen to anon;\n"
        "create policy seen_by_anyone on public.user_content_seen\n"
        "    for select to anon using (true);\n",
        "anon", "SELECT", "public.user_content_seen"),
    "security-definer-function": (
        "create function public.seen_count() returns bigint language sql security definer\n"
        "    set search_path = '' as $$ select count(*) from public.user_content_seen $$;\n",
        "anon", "EXECUTE", "public.seen_count()"),
    "view-without-security-invoker": (
        "create view public.all_seen as select * from public.user_content_seen;\n"
        "revoke all on public.all_seen from anon, authenticated;\n"
        "grant select on public.all_seen to authenticated;\n",
        "authenticated", "SELECT", "public.all_seen"),
}


@pytest.fixture
def released(cli, tmp_path):
    """A project whose history holds BASE; returns (root, invoke)."""
    root = make_project(tmp_path / "p", BASE)
    invoke = cli(root)
    # BASE itself gives authenticated its own rows: a widening, acknowledged by flag.
    first = invoke("diff", "init", "--version", "20250101000000")
    assert first.exit_code == 3, first.output
    done = invoke("diff", "init", "--version", "20250101000000", "--allow-wider-access")
    assert done.exit_code == 0, done.output
    return root, invoke


def migrations_in(root: Path) -> list[Path]:
    return sorted((root / "supabase/migrations").glob("*.sql"))


@pytest.mark.parametrize("case", WIDENINGS, ids=list(WIDENINGS))
def test_each_widening_is_refused_naming_role_and_object(released, case):
    root, invoke = released
    sql, role, command, obj = WIDENINGS[case]
    (root / "schema.sql").write_text(BASE + sql)
    refused = invoke("diff", "widen")
    assert refused.exit_code == 3, refused.output
    assert f"{role} {command} on {obj}:" in refused.output
    assert len(migrations_in(root)) == 1

    # Acknowledged in schema.sql, with a reason: written, and the header says so.
    ack = f"-- schemadiff-access: allow {obj.split('(')[0]} -- reviewed\n"
    (root / "schema.sql").write_text(BASE + ack + sql)
    done = invoke("diff", "widen", "--version", "20250102000000")
    assert done.exit_code == 0, done.output
    header = migrations_in(root)[-1].read_text().split("\n\n")[0]
    assert f"wider: {role} {command} on {obj}: none -> " in header
    assert "(acknowledged: reviewed)" in header


def test_an_acknowledgement_without_a_reason_does_not_count(released):
    root, invoke = released
    sql, *_ = WIDENINGS["table-without-rls"]
    (root / "schema.sql").write_text(BASE + "-- schemadiff-access: allow public.open\n" + sql)
    refused = invoke("diff", "widen")
    assert refused.exit_code == 3
    line = BASE.count("\n") + 1
    assert f"schema.sql:{line}: gives no reason" in refused.output


def test_an_acknowledgement_covers_only_its_object_and_commands(released):
    root, invoke = released
    sql, *_ = WIDENINGS["table-without-rls"]
    ack = "-- schemadiff-access: allow public.open for insert -- inserts only\n"
    (root / "schema.sql").write_text(BASE + ack + sql)
    refused = invoke("diff", "widen", "--json")
    assert refused.exit_code == 3
    assert json.loads(refused.stdout)["wider_access"] == [
        "wider: anon SELECT on public.open: none -> all (row-level security off)"]


def test_allow_wider_access_writes_it(released):
    root, invoke = released
    sql, *_ = WIDENINGS["view-without-security-invoker"]
    (root / "schema.sql").write_text(BASE + sql)
    done = invoke("diff", "widen", "--allow-wider-access", "--json")
    assert done.exit_code == 0, done.output
    changes = json.loads(done.stdout)["access"]
    assert ("public.all_seen", "authenticated", "SELECT", "wider", "--allow-wider-access") in {
        (c["object"], c["role"], c["command"], c["direction"], c["acknowledged"])
        for c in changes}


def test_dropping_a_policy_narrows_and_passes(released):
    root, invoke = released
    (root / "schema.sql").write_text(BASE.replace(
        "create policy user_content_seen_insert_own on public.user_content_seen\n"
        "    for insert to authenticated with check ((select auth.uid()) = user_id);\n", ""))
    done = invoke("diff", "drop_policy", "--version", "20250102000000")
    assert done.exit_code == 0, done.output
    header = migrations_in(root)[-1].read_text().split("\n\n")[0]
    assert ("narrower: authenticated INSERT on public.user_content_seen: policy [" in header)
    assert "-> none" in header


def test_access_changes_show_history_against_schema(released):
    root, invoke = released
    sql, *_ = WIDENINGS["policy-for-anon"]
    (root / "schema.sql").write_text(BASE + sql)
    done = invoke("access", "--changes", "--json")
    assert done.exit_code == 0, done.output
    changes = json.loads(done.stdout)["changes"]
    assert [(c["object"], c["role"], c["command"], c["before"], c["after"]) for c in changes
            if c["refused_unless_acknowledged"]] == [
        ("public.user_content_seen", "anon", "SELECT", "none", "all")]


def test_a_new_row_limit_lifted_is_wider(released):
    root, invoke = released
    # authenticated already selects its own rows; a second permissive policy adds rows.
    (root / "schema.sql").write_text(BASE + (
        "create policy seen_item_one on public.user_content_seen\n"
        "    for select to authenticated using (item_id = 1);\n"))
    refused = invoke("diff", "widen")
    assert refused.exit_code == 3
    assert "wider: authenticated SELECT on public.user_content_seen: policy [" in refused.output



def test_header_lines_stay_comments_when_a_policy_holds_a_newline(released):
    root, invoke = released
    (root / "schema.sql").write_text(BASE + (
        "create policy seen_odd on public.user_content_seen for select to authenticated\n"
        "    using (item_id::text <> E'x\\n; drop table public.items; --');\n"))
    done = invoke("diff", "odd", "--allow-wider-access", "--version", "20250102000000")
    assert done.exit_code == 0, done.output
    header = migrations_in(root)[-1].read_text().split("\n\n")[0].splitlines()
    assert any("seen_odd" in line for line in header)
    assert all(line.startswith("--") for line in header)


# --- what counts as wider, through `access --changes` -------------------------------------------

ROWS = """\
create table public.posts (id int primary key, owner_id uuid, secret text, note text);
alter table public.posts enable row level security;
revoke all on public.posts from anon, authenticated;
grant select (id, note) on public.posts to anon;
grant select, update on public.posts to authenticated;
create policy posts_own on public.posts for select to authenticated
    using ((select auth.uid()) = owner_id);
create policy posts_not_secret on public.posts as restrictive for select to authenticated
    using (secret is null);
create policy posts_public on public.posts for select to anon using (true);
"""

CHANGES = {
    # (what schema.sql becomes, the changes as (object, role, command, direction, refused))
    "restrictive-policy-dropped": (
        ROWS.replace("create policy posts_not_secret on public.posts as restrictive for "
                     "select to authenticated\n    using (secret is null);\n", ""),
        [("public.posts", "authenticated", "SELECT", "wider", True)]),
    "restrictive-policy-added": (
        ROWS + "create policy posts_no_note on public.posts as restrictive for select\n"
               "    to authenticated using (note is null);\n",
        [("public.posts", "authenticated", "SELECT", "narrower", False)]),
    "policy-renamed": (ROWS.replace("posts_own", "posts_mine"), []),
    # Maybe wider, maybe not: the catalog cannot tell, so it is refused like a widening.
    "policy-expression-changed": (
        ROWS.replace("= owner_id)", "= owner_id or owner_id is null)"),
        [("public.posts", "authenticated", "SELECT", "changed", True)]),
    "column-grant-grown": (
        ROWS.replace("grant select (id, note)", "grant select (id, note, secret)"),
        [("public.posts", "anon", "SELECT", "wider", True)]),
    "column-grant-to-table-grant": (
        ROWS.replace("grant select (id, note) on public.posts to anon",
                     "grant select on public.posts to anon"),
        [("public.posts", "anon", "SELECT", "wider", True)]),
    "invoker-function-added": (
        ROWS + "create function public.double(n int) returns int language sql\n"
               "    as $$ select n * 2 $$;\n",
        [("public.double(integer)", "anon", "EXECUTE", "wider", False),
         ("public.double(integer)", "authenticated", "EXECUTE", "wider", False)]),
    "table-dropped": (
        "create table public.other (id int primary key);\n"
        "alter table public.other enable row level security;\n",
        [("public.posts", "anon", "SELECT", "narrower", False),
         ("public.posts", "authenticated", "SELECT", "narrower", False)]),
}


@pytest.mark.parametrize("case", CHANGES, ids=list(CHANGES))
def test_what_counts_as_wider(cli, tmp_path, case):
    schema, expected = CHANGES[case]
    # The history is ROWS as a hand-written migration: only the access review is tested.
    root = make_project(tmp_path / "p", schema, migrations={"20250101000000_init.sql": ROWS})
    shown = cli(root)("access", "--changes", "--json")
    assert shown.exit_code == 0, shown.output
    assert sorted((c["object"], c["role"], c["command"], c["direction"],
                   c["refused_unless_acknowledged"])
                  for c in json.loads(shown.stdout)["changes"]) == sorted(expected)


def test_a_configured_role_the_database_lacks_is_named(cli, tmp_path):
    # Roles are cluster-wide: on a shared server anon may exist even with platform
    # "postgres", so a role no server has stands for a missing one.
    root = make_project(tmp_path / "p", "create table public.t (id int primary key);\n",
                        pyproject='[tool.schemadiff]\napi_roles = ["no_such_api_role"]\n')
    invoke = cli(root)
    shown = invoke("access", "--json")
    assert shown.exit_code == 0, shown.output
    payload = json.loads(shown.stdout)
    assert (payload["missing_roles"], payload["access"]) == (["no_such_api_role"], [])
    done = invoke("diff", "init", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["access"] == []
