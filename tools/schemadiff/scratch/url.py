"""The `url` backend: a server the user already runs (SCHEMADIFF_DATABASE_URL).

We only ever create and drop databases whose names carry this run's prefix.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import parse_qs, parse_qsl, unquote, urlsplit

import psycopg2

from ..errors import NoPostgresError
from ..platform import Platform
from .server import Backend, Server

ENV_VAR = "SCHEMADIFF_DATABASE_URL"


def redact(url: str) -> str:
    """The URL with its password (in the authority or a ?password= parameter) replaced."""
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


def start_url(backend: Backend, platform: Platform, url: str | None = None) -> Server:
    """Connect to the user's server at `url` (default: $SCHEMADIFF_DATABASE_URL)."""
    url = url or os.environ.get(ENV_VAR)
    if not url:
        raise NoPostgresError(f"{ENV_VAR} is not set.")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg2"):
        raise NoPostgresError(f"{ENV_VAR} must be a postgresql:// URL, got {redact(url)}.")
    query = parse_qs(parts.query)
    # libpq's form for a unix socket: postgresql://user@/db?host=/run/postgresql
    host = query.get("host", [""])[0] or parts.hostname or "localhost"
    try:
        port = int(query.get("port", [""])[0] or parts.port or 5432)
    except ValueError:
        raise NoPostgresError(f"{ENV_VAR} has no valid port: {redact(url)}.") from None
    password = query.get("password", [""])[0] or (
        unquote(parts.password) if parts.password else None)
    server = Server(
        backend=backend,
        host=host,
        port=port,
        user=unquote(parts.username or "postgres"),
        password=password,
        admin_db=unquote(parts.path.lstrip("/")) or "postgres",
        db_prefix=f"schemadiff_{secrets.token_hex(4)}_",
        platform=platform,
    )
    try:
        server.connect().close()
    except psycopg2.Error as exc:
        # psycopg2's message names host and user, never the password.
        raise NoPostgresError(
            f"cannot connect to {redact(url)}: {str(exc).strip()}"
        ) from None
    return server
