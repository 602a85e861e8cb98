"""A live database (production, staging, `supabase start`) copied into a scratch database,
so every later step (plan, proof, judges) runs on one server of ours.

The live database is only read: both views of it are taken over its URL, and the copy is
built from them like a migration from an empty project (migra's DDL + what migra never
emits + the reference rows), then checked equal to the live database by both judges.
Nothing is created, changed or dropped on the live server.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .. import build
from ..apply import apply_to
from ..data.rows import diff_rows
from ..diff.repair import reorder
from ..diff.statements import statements
from ..diff.supplement import converge
from ..errors import UsageError, VerificationError
from ..inspect.migra import same
from ..inspect.views import Views
from ..platform import Platform
from ..proof.compare import compare_snapshots
from ..scratch import Backend, Databases, Server
from ..scratch.url import redact, start_url
from ..sources import SqlFile
from .pull import base_database, configured_reference, with_buckets

LIVE = Backend("live", shared_server=True)


def connect_live(url: str, platform: Platform) -> Server:
    """The live server, for reading only (not a postgresql:// URL: exit 2; unreachable or
    a refused login: exit 4; the password never shown)."""
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        raise UsageError(f"--db-url must be a postgresql:// URL, got {redact(url)}.",
                         detail="e.g. postgresql://postgres:PASSWORD@db.PROJECT.supabase.co"
                                ":5432/postgres (Supabase: Project Settings, Database).")
    return start_url(LIVE, platform, url)


def copy_live(url: str, views: Views, databases: Databases, setup: build.Setup,
              configured: dict[str, tuple[str, ...]],
              declarations: SqlFile | None = None) -> str:
    """A scratch database equal, by both judges and the configured reference rows, to the
    managed scope of the live database at `url`."""
    server = views.server
    live = connect_live(url, server.platform)
    live_views = Views(live, views.scope)
    live_db = live.admin_db
    base = base_database(server, databases, setup)
    ddl = statements(views.model(base), live_views.model(live_db))
    ddl += converge(views.snapshot(base), live_views.snapshot(live_db))
    # The copy starts empty, so only creations: ordering by trial is all the repair needed.
    ordered = reorder.order(ddl, server, base)
    if not ordered.ok:
        raise VerificationError(
            f"Could not rebuild the live database {redact(url)} on the scratch server.",
            detail="\n".join(f"  {error}\n    in: {s.splitlines()[0]}"
                             for s, error in ordered.failed))
    copy = databases.create("live", template=base)
    apply_to(server, copy, SqlFile(Path(f"copy of {redact(url)}"), "\n".join(ordered.statements)))
    configured = with_buckets(live_views, live_db, configured)
    reference = configured_reference(live_views, live_db, configured, declarations)
    if reference:
        with views.connected(copy) as have, live_views.connected(live_db) as want:
            rows = diff_rows(have, want, reference)
        apply_to(server, copy, SqlFile(Path(f"rows of {redact(url)}"),
                                       "\n".join(rows.up_upserts)))
    views.forget(copy)
    verdict = compare_snapshots(views.snapshot(copy), live_views.snapshot(live_db))
    if not same(views.model(copy), live_views.model(live_db)) or not verdict.equal:
        raise VerificationError(
            f"The scratch copy of {redact(url)} differs from it; nothing was written.",
            detail=str(verdict) + "\nIs the live server's Postgres major the scratch "
            "server's? (compare like with like: --backend, postgres_major)")
    return copy
