"""A running scratch server: how to reach it and how to stop it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg2
import psycopg2.extensions

from ..errors import NoPostgresError
from ..platform import Platform, named


@dataclass(frozen=True)
class Backend:
    """A kind of scratch server, and what the rest of the tool may rely on about it."""

    name: str
    # Starts from the cluster cache: a seed (a replay baked into the cache) may be there.
    caches_seeds: bool = False
    # The user's server, shared with others: only this run's databases are dropped at the
    # end, and the server itself keeps running.
    shared_server: bool = False

    def __str__(self) -> str:
        return self.name


@dataclass
class Server:
    """Connection facts of one scratch server; `stop()` is idempotent."""

    backend: Backend
    host: str  # a unix-socket directory or an IP address
    port: int
    user: str
    password: str | None = field(repr=False)  # never in a repr, a log or a traceback
    admin_db: str
    # Every database this run creates starts with this prefix; nothing else is touched.
    db_prefix: str
    # The server's own client programs (pg_dump), when the backend has them.
    bindir: Path | None = None
    # Name of a database holding the platform shim, ready to be used as a template.
    base_db: str | None = None
    log_path: Path | None = None
    # What every database of this run is built on (roles, schemas, search_path).
    platform: Platform = field(default_factory=named)
    # The user's own connection string (url backend), given to libpq whole, so its
    # parameters (sslmode, ...) apply; host, port, user and password above come from it.
    dsn: str | None = field(default=None, repr=False)
    # What the run should be told about this server (progress lines and --json).
    notes: list[str] = field(default_factory=list)
    # Roles the user's SQL created on a shared server, dropped when the run ends.
    created_roles: list[str] = field(default_factory=list)
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    def connect(self, dbname: str | None = None, *, autocommit: bool = True):
        where = ({"dsn": self.dsn} if self.dsn else
                 {"host": self.host, "port": self.port, "user": self.user,
                  "password": self.password})
        conn = psycopg2.connect(
            **where,
            dbname=dbname or self.admin_db,
            connect_timeout=10,
            application_name="schemadiff",
            **self._options(),
        )
        conn.autocommit = autocommit
        return conn

    def _options(self) -> dict[str, str]:
        # The platform's roles' search_path, as a session default (never written into the
        # user's server): unqualified names resolve as they do on the platform. Options the
        # user's connection string sets are kept, before ours.
        path = self.platform.search_path
        if not path:
            return {}
        ours = "-c search_path=" + path.replace(" ", "")
        theirs = psycopg2.extensions.parse_dsn(self.dsn).get("options") if self.dsn else None
        return {"options": f"{theirs} {ours}" if theirs else ours}

    def url(self, dbname: str) -> str:
        """SQLAlchemy URL, +psycopg2 explicitly: SQLAlchemy 2.1 defaults to psycopg 3."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        query = "".join(f"&{key}={quote(value, safe='')}" for key, value in self._options().items())
        if self.host.startswith("/"):
            return (
                f"postgresql+psycopg2://{auth}@/{quote(dbname, safe='')}"
                f"?host={quote(self.host, safe='')}&port={self.port}{query}"
            )
        return (f"postgresql+psycopg2://{auth}@{self.host}:{self.port}/{quote(dbname, safe='')}"
                + (f"?{query[1:]}" if query else ""))

    def query(self, dbname: str | None, text: str, params: dict | tuple | None = None, *,
              as_dicts: bool = False) -> list:
        """The rows of one read-only query in `dbname`, on a connection of its own (tuples,
        or dicts by column name)."""
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(text, params)
                rows = cur.fetchall()
                if as_dicts:
                    columns = [column.name for column in cur.description]
                    return [dict(zip(columns, row, strict=True)) for row in rows]
                return rows
        finally:
            conn.close()

    def describe(self) -> str:
        """Where the server is, without its password."""
        where = self.host if self.host.startswith("/") else f"{self.host}:{self.port}"
        return f"{self.backend} server at {where}"

    def version_num(self) -> int:
        [(number,)] = self.query(None, "SHOW server_version_num")
        return int(number)

    def stop(self) -> None:
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()


def log_tail(path: Path | None, lines: int = 15) -> str:
    """The end of a server log, for error messages."""
    if path is None or not path.exists():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def lost_connection(exc: BaseException) -> bool:
    """True for a database error that means the server went away, not that the SQL was wrong."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    if orig is not None and isinstance(orig, psycopg2.Error):
        exc = orig
    if not isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
        return False
    # Errors the server sends carry a SQLSTATE; a dropped or refused connection has none.
    return exc.pgcode is None


def out_of_resources(exc: BaseException) -> NoPostgresError | None:
    """The error to report when the server ran out of disk, memory or connections, or hit
    a system or I/O error: the machine's fault, not the SQL's. (53400, a limit the SQL may
    have set itself, stays the SQL's.)"""
    code = getattr(exc, "pgcode", None) or ""
    if code not in ("53100", "53200", "53300") and code[:2] != "58":
        return None
    diag = getattr(exc, "diag", None)
    message = ((diag.message_primary if diag else None) or str(exc)).strip()
    return NoPostgresError(
        f"the scratch Postgres cannot go on: {message} (SQLSTATE {code}); nothing was written.",
        detail="Free disk space or memory where its data lives ($SCHEMADIFF_TMPDIR, /dev/shm or "
               "the temp dir; for --backend url, the server's), then run the command again.",
    )
