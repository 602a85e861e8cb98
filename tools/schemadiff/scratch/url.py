"""The `url` backend: a server the user already runs (SCHEMADIFF_DATABASE_URL).

We only ever create and drop databases whose names carry this run's prefix, and roles the
user's SQL created during this run (see `roles.py`). The URL (or libpq key=value string)
goes to libpq as it is, so sslmode, sslrootcert, target_session_attrs and the rest apply.

A run holds a session advisory lock named after its prefix on a connection of its own for
as long as it lives, taken before it creates anything. A run killed outright (SIGKILL)
loses it with its connection, so the next run, or `cache clear`, knows the
`schemadiff_<prefix>_*` databases and the roles it marked are left over, and removes them.
Locks are told alive through pg_locks, which shows them whatever database holds them.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from urllib.parse import parse_qsl, urlsplit

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from ..errors import NoPostgresError
from ..platform import Platform
from . import roles
from .server import Backend, Server

ENV_VAR = "SCHEMADIFF_DATABASE_URL"
DB_PREFIX = "schemadiff_"
_PREFIX_PATTERN = re.compile(r"^schemadiff_([0-9a-f]{8})_")
# Advisory lock keys are (namespace, id) pairs; this namespace is ours ("SD" in ASCII).
LOCK_NAMESPACE = 0x5344
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL, or libpq key=value string, with its password replaced by ***."""
    if "://" not in url:
        return _KEYWORD_PASSWORD.sub(r"\1***", url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc and ":" in netloc.rpartition("@")[0]:
        user = netloc.rpartition("@")[0].split(":", 1)[0]
        netloc = f"{user}:***@{netloc.rpartition('@')[2]}"
    query = "&".join(
        f"{key}=***" if key.lower() == "password" else f"{key}={value}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ) if "password" in parts.query.lower() else parts.query
    return parts._replace(netloc=netloc, query=query).geturl()


def lock_key(prefix: str) -> tuple[int, int]:
    """The advisory lock a live run holds for its database prefix `schemadiff_<8 hex>_`."""
    match = _PREFIX_PATTERN.match(prefix)
    assert match, prefix
    # 31 bits: an int4 the function takes, and the same number in pg_locks.objid.
    return LOCK_NAMESPACE, int(match[1], 16) >> 1


def libpq_dsn(url: str) -> str:
    """`url` as libpq reads it; SQLAlchemy's `postgresql+psycopg2://` spelling accepted."""
    for scheme in ("postgresql+psycopg2://", "postgres+psycopg2://"):
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme):]
    return url


def start_url(backend: Backend, platform: Platform, url: str | None = None) -> Server:
    """Connect to the user's server at `url` (default: $SCHEMADIFF_DATABASE_URL)."""
    url = url or os.environ.get(ENV_VAR)
    if not url:
        raise NoPostgresError(f"{ENV_VAR} is not set.")
    if "://" in url and urlsplit(url).scheme not in (
            "postgres", "postgresql", "postgresql+psycopg2", "postgres+psycopg2"):
        raise NoPostgresError(f"{ENV_VAR} must be a postgresql:// URL, got {redact(url)}.")
    dsn = libpq_dsn(url)
    try:
        params = psycopg2.extensions.parse_dsn(dsn)
    except psycopg2.ProgrammingError:
        # libpq's message quotes the string it could not read: it may hold the password.
        raise NoPostgresError(
            f"{ENV_VAR} is neither a postgresql:// URL nor a libpq key=value string: "
            f"{redact(url)}.") from None
    try:
        port = int(params.get("port") or 5432)
    except ValueError:
        raise NoPostgresError(f"{ENV_VAR} has no valid port: {redact(url)}.") from None
    server = Server(
        backend=backend,
        host=params.get("host") or "localhost",
        port=port,
        user=params.get("user") or "postgres",
        password=params.get("password"),
        admin_db=params.get("dbname") or "postgres",
        db_prefix=f"{DB_PREFIX}{secrets.token_hex(4)}_",
        platform=platform,
        dsn=dsn,
    )
    try:
        keeper = server.connect()
        server._stop = keeper.close
    except psycopg2.Error as exc:
        # psycopg2's message names host and user, never the password.
        raise NoPostgresError(
            f"cannot connect to {redact(url)}: {str(exc).strip()}"
        ) from None
    try:
        with keeper.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", lock_key(server.db_prefix))
        leftovers = reap(keeper)
        server.notes.extend(roles.platform_differences(keeper, platform))
    except BaseException:
        server.stop()
        raise
    if leftovers:
        server.notes.append(f"removed {leftovers} database(s) and role(s) left on "
                            f"{server.describe()} by schemadiff runs that were killed")
    return server


def reap(conn) -> int:
    """Drop the databases and roles of runs whose lock nobody holds (they were killed).

    A database someone is connected to is left alone (no FORCE): it is not a dead run's.
    """
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                    (DB_PREFIX.replace("_", r"\_") + "%",))
        names = [row[0] for row in cur.fetchall()]
    by_prefix: dict[str, list[str]] = {}
    for name in names:
        if match := _PREFIX_PATTERN.match(name):
            by_prefix.setdefault(match[0], []).append(name)
    for prefix in roles.marked_prefixes(conn):
        by_prefix.setdefault(prefix, [])
    removed = 0
    for prefix, databases in by_prefix.items():
        if _alive(conn, prefix):
            continue
        for name in databases:
            with contextlib.suppress(psycopg2.Error), conn.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
                removed += 1
        removed += roles.drop_marked(conn, prefix)
    return removed


def _alive(conn, prefix: str) -> bool:
    """Whether the run owning `prefix` still holds its lock (it is not yet dead)."""
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = %s AND objid = %s AND objsubid = 2)", lock_key(prefix))
        return bool(cur.fetchone()[0])


def reap_configured() -> int:
    """`cache clear`'s share: what killed runs left on $SCHEMADIFF_DATABASE_URL's server."""
    url = os.environ.get(ENV_VAR)
    if not url:
        return 0
    try:
        conn = psycopg2.connect(libpq_dsn(url), connect_timeout=10,
                                application_name="schemadiff")
    except psycopg2.Error as exc:
        raise NoPostgresError(f"cannot connect to {redact(url)}: {str(exc).strip()}") from None
    conn.autocommit = True
    try:
        return reap(conn)
    finally:
        conn.close()
