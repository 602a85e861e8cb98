"""What a Supabase project's database holds before its first migration (the platform).

Loaded into the template every scratch database is cloned from: never diffed, never
emitted into a migration.
"""

from __future__ import annotations

from .. import sql


def platform_sql() -> str:
    """The SQL that builds the platform in an empty database (idempotent)."""
    return sql.load("supabase_shim.sql", package=__name__)
