"""What the database really lets the API roles do, found by trying it.

For each object in the exposed schemas (and storage.objects per bucket), each API role
tries each command the way PostgREST runs requests: `request.jwt.claims` and `SET LOCAL
ROLE` in a transaction, here one savepoint per try, everything rolled back. anon tries
once without a user; authenticated tries as each of two users. The result, per (object,
role, command), is "all" (every row), "none" (no row, or permission denied) or
"policy" (some rows), counted against the rows the table holds:

- SELECT: the rows `SELECT count(*)` sees;
- INSERT: each row is taken out (by the superuser, foreign keys and triggers off) and
  put back by the role: the rows it may put back;
- UPDATE: the rows `UPDATE ... SET <a column with a default> = DEFAULT` changes (nothing
  read, so only UPDATE policies apply);
- DELETE: the rows `DELETE FROM` removes;
- EXECUTE: a call with NULL arguments is not refused with "permission denied for function".

Independent of schemadiff's model: only Postgres decides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.errors
from psycopg2 import sql

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"
# (role, claims) of each try: anon has no user; authenticated is each of two users.
CONTEXTS = {
    "anon": [{"role": "anon"}],
    "authenticated": [{"role": "authenticated", "sub": USER_A},
                      {"role": "authenticated", "sub": USER_B}],
}
USERS_SQL = (f"INSERT INTO auth.users (id, email) VALUES ('{USER_A}', 'a@example.com'), "
             f"('{USER_B}', 'b@example.com');\n")

Key = tuple[str, str, str]


def _rows(cur, query, params=()) -> list[tuple]:
    cur.execute(query, params)
    return cur.fetchall()


@contextmanager
def _attempt(cur, claims: dict | None = None, *, scope: sql.Composable | None = None
             ) -> Iterator[list[bool]]:
    """A savepoint, rolled back after; inside it the role of `claims` (when given).

    Yields a one-item list set to True when the role was refused (SQLSTATE 42501).
    `scope` runs first, as the superuser (e.g. leaving one bucket's rows only).
    """
    refused = [False]
    cur.execute("SAVEPOINT probe")
    try:
        # Foreign keys and triggers off: taking a row out must not cascade or be refused.
        cur.execute("SET LOCAL session_replication_role = replica")
        if scope is not None:
            cur.execute(scope)
        if claims is not None:
            cur.execute("SELECT set_config('request.jwt.claims', %s, true)",
                        (json.dumps(claims),))
            cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(claims["role"])))
        yield refused
    except (psycopg2.errors.InsufficientPrivilege,
            # A view that is not updatable refuses the superuser too.
            psycopg2.errors.ObjectNotInPrerequisiteState, psycopg2.errors.FeatureNotSupported):
        refused[0] = True
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT probe")
        cur.execute("RESET ROLE")


def _level(counts: list[int], total: int) -> str:
    if all(n == total for n in counts):
        return "all"
    if all(n == 0 for n in counts):
        return "none"
    return "policy"


def _relations(cur, schemas: list[str]) -> list[tuple[int, str, str]]:
    return _rows(cur, """
        SELECT c.oid, format('%%I.%%I', n.nspname, c.relname)::text, c.relkind::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        ORDER BY 2""", (schemas,))


def _insert_columns(cur, oid: int) -> list[str]:
    return [r[0] for r in _rows(cur, """
        SELECT attname FROM pg_attribute
        WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped
          AND attgenerated = '' AND attidentity <> 'a' ORDER BY attnum""", (oid,))]


def _defaulted_column(cur, oid: int) -> str:
    """A column to set to DEFAULT: one with a default (a view's: its base table's), outside
    every unique index."""
    found = _rows(cur, """
        SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attgenerated = '' AND a.attidentity = ''
          AND EXISTS (SELECT FROM pg_attribute b JOIN pg_class t ON t.oid = b.attrelid
                       WHERE b.attname = a.attname AND b.atthasdef AND t.relkind IN ('r', 'p')
                         AND (b.attrelid = a.attrelid OR t.oid IN (
                             SELECT d.refobjid FROM pg_rewrite w
                             JOIN pg_depend d ON d.objid = w.oid
                              AND d.classid = 'pg_rewrite'::regclass
                             WHERE w.ev_class = a.attrelid)))
          AND NOT EXISTS (SELECT FROM pg_index x WHERE x.indrelid = a.attrelid
                           AND x.indisunique AND a.attnum = ANY(x.indkey))
        ORDER BY a.attnum LIMIT 1""", (oid,))
    assert found, f"relation {oid} needs a column with a default for the UPDATE probe"
    return found[0][0]


def _probe_relation(cur, oid: int, name: str, relkind: str, roles: list[str],
                    scope: sql.Composable | None = None) -> dict[tuple[str, str], str]:
    table = sql.SQL(name)  # format('%I.%I') above: already quoted
    with _attempt(cur, scope=scope):
        # Each row as JSON: which ones a role may put back, and how to find it to take it out.
        rows = [r[0] for r in _rows(cur, sql.SQL("SELECT to_jsonb(x) FROM {} x").format(table))]
    total = len(rows)
    assert total, f"{name} holds no row: a probe of it would prove nothing"
    commands = ["SELECT"] if relkind == "m" else ["SELECT", "INSERT", "UPDATE", "DELETE"]
    columns = sql.SQL(", ").join(map(sql.Identifier, _insert_columns(cur, oid)))
    found: dict[tuple[str, str], str] = {}
    for role in roles:
        for command in commands:
            counts = []
            for claims in CONTEXTS[role]:
                if command == "INSERT":
                    counts.append(sum(_put_back(cur, table, columns, row, claims, scope)
                                      for row in rows))
                    continue
                with _attempt(cur, claims, scope=scope) as refused:
                    if command == "SELECT":
                        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
                        count = cur.fetchone()[0]
                    elif command == "UPDATE":
                        column = sql.Identifier(_defaulted_column(cur, oid))
                        cur.execute(sql.SQL("UPDATE {} SET {} = DEFAULT").format(table, column))
                        count = cur.rowcount
                    else:
                        cur.execute(sql.SQL("DELETE FROM {}").format(table))
                        count = cur.rowcount
                counts.append(0 if refused[0] else count)
            found[(role, command)] = _level(counts, total)
    return found


def _put_back(cur, table, columns, row: dict, claims: dict, scope) -> bool:
    """Whether the role may insert `row` once the superuser has taken it out."""
    inserted = False
    with _attempt(cur, scope=scope) as refused:
        cur.execute(sql.SQL("DELETE FROM {} x WHERE to_jsonb(x) = %s::jsonb").format(table),
                    (json.dumps(row),))
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(claims["role"])))
        cur.execute(sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM "
                            "jsonb_populate_record(NULL::{t}, %s::jsonb)").format(
                                t=table, c=columns), (json.dumps(row),))
        inserted = cur.rowcount == 1
    return inserted and not refused[0]


def _functions(cur, schemas: list[str]) -> list[tuple[str, str]]:
    """(name with identity arguments, a call with NULL arguments) of each callable function."""
    found = []
    for name, types in _rows(cur, """
            SELECT format('%%I.%%I', n.nspname, p.proname),
                   array(SELECT format_type(t, NULL)
                           FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, i) ORDER BY i)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = ANY(%s) AND p.prokind = 'f'
              AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
              AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                               AND d.objid = p.oid AND d.deptype = 'e')
            ORDER BY 1, 2""", (schemas,)):
        nulls = ", ".join(f"NULL::{t}" for t in types)
        found.append((f"{name}({', '.join(types)})", f"SELECT {name}({nulls})"))
    return found


def probe(conn, roles: list[str], schemas: list[str]) -> dict[Key, str]:
    """{(object, role, command): "all" | "policy" | "none"} by trying each one."""
    found: dict[Key, str] = {}
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            for oid, name, relkind in _relations(cur, schemas):
                for (role, command), level in _probe_relation(cur, oid, name, relkind,
                                                              roles).items():
                    found[(name, role, command)] = level
            has_storage = _rows(cur, "SELECT to_regclass('storage.buckets') IS NOT NULL")[0][0]
            buckets = [r[0] for r in _rows(cur, "SELECT id FROM storage.buckets ORDER BY id")
                       ] if has_storage else []
            for bucket in buckets:
                objects = _rows(cur, "SELECT 'storage.objects'::regclass::oid")[0][0]
                others = sql.SQL("DELETE FROM storage.objects WHERE bucket_id <> {}").format(
                    sql.Literal(bucket))
                for (role, command), level in _probe_relation(
                        cur, objects, "storage.objects", "r", roles, scope=others).items():
                    found[(f"storage.objects[{bucket}]", role, command)] = level
            for name, call in _functions(cur, schemas):
                for role in roles:
                    allowed = []
                    for claims in CONTEXTS[role]:
                        allowed.append(_may_execute(cur, call, claims))
                    found[(name, role, "EXECUTE")] = "all" if all(allowed) else (
                        "none" if not any(allowed) else "policy")
    finally:
        conn.rollback()
        conn.autocommit = True
    return found


def _may_execute(cur, call: str, claims: dict) -> bool:
    cur.execute("SAVEPOINT call")
    try:
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(claims["role"])))
        cur.execute(call)
        return True
    except psycopg2.errors.InsufficientPrivilege as exc:
        # Refused at the call, or by something the function body does (it was called).
        return "permission denied for function" not in str(exc)
    except psycopg2.Error:
        return True  # it ran, and failed on its NULL arguments
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT call")
        cur.execute("RESET ROLE")
