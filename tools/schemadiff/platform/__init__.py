"""What a database holds before its first migration: the Supabase platform, or nothing.

`supabase` is our own model of a new Supabase project (one .sql file per part, each
citing the public facts it is written from): roles with their attributes, the platform
schemas and their grants, auth/storage/realtime/vault objects apps reference, the
`supabase_realtime` publication, default privileges in `public`, and the extensions
preinstalled in `extensions`. `postgres` is a plain database. Either is loaded into the
template every scratch database is cloned from: never diffed, never emitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .. import sql

# In load order. 55_supabase_functions models Database Webhooks, which the CLI's local
# stack always has and platform projects have once webhooks are enabled.
SUPABASE_FILES = (
    "10_roles.sql", "20_schemas.sql", "30_auth.sql", "40_storage.sql", "50_realtime.sql",
    "55_supabase_functions.sql", "60_vault.sql", "70_default_privileges.sql",
    "75_default_privileges_current.sql", "80_extensions.sql",
)
# Default privileges in public: what projects had until 2026 (the API roles get ALL on new
# objects), and what the platform changed them to (changelog "Tables not exposed to Data
# and GraphQL API automatically": new projects from 2026-05-30, all projects 2026-10-30).
LEGACY_DEFAULT_PRIVILEGES = "70_default_privileges.sql"
CURRENT_DEFAULT_PRIVILEGES = "75_default_privileges_current.sql"
NAMES = ("supabase", "postgres")


@dataclass(frozen=True)
class Platform:
    """A platform: its name, the SQL that builds it, and the search_path its roles use."""

    name: str
    sql: str
    # The platform's roles run with this search_path (Supabase: extensions last), so the
    # SQL applied to a scratch database resolves names as it does on the platform.
    search_path: str | None = None
    # SQL that puts back the legacy default privileges, and SQL that applies today's: run
    # around the part of a history that ran under the legacy ones (`legacy_grants_until`).
    legacy_grants: str = ""
    current_grants: str = ""


@cache
def named(name: str = "supabase") -> Platform:
    """The platform called `name` ("supabase" or "postgres")."""
    if name == "postgres":
        return Platform("postgres", "")
    if name != "supabase":
        raise ValueError(f"unknown platform {name!r}")
    text = "\n".join(sql.load(f, package=__name__) for f in SUPABASE_FILES)
    return Platform("supabase", text, search_path='"$user", public, extensions',
                    legacy_grants=sql.load(LEGACY_DEFAULT_PRIVILEGES, package=__name__),
                    current_grants=sql.load(CURRENT_DEFAULT_PRIVILEGES, package=__name__))


def standins() -> dict[str, str]:
    """The stand-in extensions: {file name: text} of their control and script files.

    Written in SQL by us for extensions Supabase has and a server may lack (pgcrypto and
    uuid-ossp are missing from the embedded PG18 wheel; pg_net, pg_cron, pg_graphql,
    pgjwt, http and supabase_vault from every stock server). A server that has the real
    extension uses it: its own directory is searched first.
    """
    return sql.load_folder("standins", __name__)


def standin_names() -> frozenset[str]:
    """The extensions a stand-in exists for."""
    return frozenset(name.removesuffix(".control") for name in standins()
                     if name.endswith(".control"))


# Every stand-in's control file comment starts so (pg_extension shows it as the comment).
STANDIN_COMMENT = "schemadiff stand-in for "


def platform_sql() -> str:
    """The SQL that builds the default (Supabase) platform in an empty database."""
    return named().sql
