"""The `url` backend: a server the user already runs (SCHEMADIFF_DATABASE_URL).

We only ever create and drop databases whose names carry this run's prefix.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg2

from ..errors import NoPostgresError
from .server import Server

ENV_VAR = "SCHEMADIFF_DATABASE_URL"


def redact(url: str) -> str:
    """The URL with its password replaced, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def start_url(url: str | None = None) -> Server:
    url = url or os.environ.get(ENV_VAR)
    if not url:
        raise NoPostgresError(f"{ENV_VAR} is not set.")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg2"):
        raise NoPostgresError(f"{ENV_VAR} must be a postgresql:// URL, got {redact(url)}.")
    query = parse_qs(parts.query)
    # libpq's form for a unix socket: postgresql://user@/db?host=/run/postgresql
    host = (query.get("host") or [None])[0] or parts.hostname or "localhost"
    port = int((query.get("port") or [0])[0] or parts.port or 5432)
    server = Server(
        backend="url",
        host=host,
        port=port,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        admin_db=unquote(parts.path.lstrip("/")) or "postgres",
        db_prefix=f"schemadiff_{secrets.token_hex(4)}_",
    )
    try:
        server.connect().close()
    except psycopg2.Error as exc:
        # psycopg2's message names host and user, never the password.
        raise NoPostgresError(
            f"cannot connect to {redact(url)}: {str(exc).strip()}"
        ) from None
    return server
