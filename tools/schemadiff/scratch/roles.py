"""Roles on a shared (`url`) server: what the user's SQL created there, and what differs.

Roles belong to the whole server, not to the scratch database, so a `CREATE ROLE` in a
migration outlives the run's databases, and the next run fails "role already exists".
Every role a file created is recorded while it is applied and dropped when the run ends;
it is also marked (a role comment naming the run's prefix), so that what a killed run
left is found and dropped by the next one. Roles that existed before are never altered
by us; the platform SQL creates only missing ones, and an existing one that differs from
what the platform expects is reported, not changed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import psycopg2
from psycopg2 import sql

from ..platform import Platform
from .server import Server

MARK = "schemadiff run {prefix}: created by the SQL it applied; dropped when the run ends"
_MARKED = re.compile(r"^schemadiff run (schemadiff_[0-9a-f]{8}_):")

# The attributes the Supabase platform gives its API roles (platform/10_roles.sql) that
# change what SQL sees: RLS bypass, and whether the role can log in.
EXPECTED = {
    "service_role": {"rolbypassrls": True, "rolcanlogin": False},
    "anon": {"rolbypassrls": False, "rolcanlogin": False},
    "authenticated": {"rolbypassrls": False, "rolcanlogin": False},
    "authenticator": {"rolcanlogin": True, "rolinherit": False},
}


def _names(conn) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT rolname FROM pg_roles")
        return {row[0] for row in cur.fetchall()}


@contextlib.contextmanager
def tracked(server: Server, conn, text: str) -> Iterator[None]:
    """Record the roles the body's SQL (`text`) creates on a shared server, success or not."""
    if not server.backend.shared_server:
        yield
        return
    before = _names(conn)
    try:
        yield
    finally:
        # Best effort: a lost connection must not hide the error that is propagating.
        with contextlib.suppress(psycopg2.Error):
            if not conn.closed:
                _claim(server, conn, before, text)


def _claim(server: Server, conn, before: set[str], text: str) -> None:
    # Only names the file mentions: a role someone else created meanwhile is not ours.
    lowered = text.lower()
    new = sorted(name for name in _names(conn) - before if name.lower() in lowered)
    mark = MARK.format(prefix=server.db_prefix)
    for name in new:
        if name in server.created_roles:
            continue
        server.created_roles.append(name)
        with conn.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles "
                        "WHERE rolname = %s", (name,))
            row = cur.fetchone()
            if row is not None and row[0] is None:  # never over a comment the SQL wrote
                cur.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(mark)))


def drop_created(server: Server) -> list[str]:
    """Drop the roles this run's SQL created (after its databases); what failed, said why."""
    if not server.created_roles:
        return []
    problems = []
    conn = server.connect()
    try:
        for name in reversed(server.created_roles):
            try:
                with conn.cursor() as cur:
                    cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
            except psycopg2.Error as exc:
                problems.append(f"role {name}: {str(exc).strip()}")
        server.created_roles.clear()
    finally:
        conn.close()
    return problems


def marked_prefixes(conn) -> set[str]:
    """Run prefixes named by the marks on roles (live runs' and dead ones')."""
    with conn.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles")
        return {m[1] for (comment,) in cur.fetchall() if comment and (m := _MARKED.match(comment))}


def drop_marked(conn, prefix: str) -> int:
    """Drop the roles marked by the run `prefix` (a dead one); how many were dropped."""
    with conn.cursor() as cur:
        cur.execute("SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') = %s",
                    (MARK.format(prefix=prefix),))
        names = [row[0] for row in cur.fetchall()]
    dropped = 0
    for name in names:
        with contextlib.suppress(psycopg2.Error), conn.cursor() as cur:
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
            dropped += 1
    return dropped


def platform_differences(conn, platform: Platform) -> list[str]:
    """Existing roles whose attributes differ from what `platform` expects (never changed)."""
    if platform.name != "supabase":
        return []
    with conn.cursor() as cur:
        cur.execute("SELECT rolname, rolbypassrls, rolcanlogin, rolinherit FROM pg_roles "
                    "WHERE rolname = ANY(%s)", (list(EXPECTED),))
        found = {row[0]: dict(zip(("rolbypassrls", "rolcanlogin", "rolinherit"), row[1:],
                                  strict=True)) for row in cur.fetchall()}
    words = {"rolbypassrls": "BYPASSRLS", "rolcanlogin": "LOGIN", "rolinherit": "INHERIT"}
    notes = []
    for name, expected in EXPECTED.items():
        if name not in found:
            continue
        wrong = [("" if want else "NO") + words[attr] for attr, want in expected.items()
                 if found[name][attr] != want]
        if wrong:
            notes.append(f"role {name} exists on this server but differs from the Supabase "
                         f"platform (which has it {' '.join(wrong)}); left as it is, so results "
                         "that depend on it may differ from Supabase")
    return notes
