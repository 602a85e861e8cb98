"""schema.sql written from a database: the plan from an empty project to it, laid out by
table, then proven by applying it and asking both judges.

The statements are the diff stage's own (migra's DDL, repaired, plus what migra never
emits), from a database holding only the platform to the source: so whatever `diff` can
create, `pull` can write, and nothing of the platform is written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .. import build
from ..apply import apply_to
from ..data.declared import ReferenceTable, declared_tables, resolve_keys
from ..data.declared import reference_tables as listed_tables
from ..diff.classify import created_table
from ..diff.plan import make_plans, validated_at_once
from ..errors import SQLInputError, UsageError, VerificationError
from ..inspect.views import Views
from ..proof.compare import Comparison, Judge
from ..scratch import Databases, Server
from ..sources import SqlFile
from . import layout


@dataclass
class Pulled:
    """A proven schema.sql: its text, and what it holds."""

    text: str
    tables: list[str]
    statements: int
    reference_tables: list[str]


def base_database(server: Server, databases: Databases, setup: build.Setup) -> str:
    """A database as a project's is before its first migration: the platform, then the
    project's platform SQL."""
    dbname = databases.shimmed("base")
    for source in setup.project_sql:
        apply_to(server, dbname, source)
    return dbname


# The project's storage buckets are rows of a platform table (review: Scope.keeps_rows);
# adopting a project keeps them, declared by their id as Supabase's own docs insert them.
BUCKETS = "storage.buckets"
# What a bucket is (supabase docs: storage.buckets insert): its public flag has a default,
# so a table listed by key alone would leave it out.
BUCKET_COLUMNS = ("id", "name", "public", "file_size_limit", "allowed_mime_types")


def with_buckets(views: Views, dbname: str,
                 configured: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """`configured`, plus storage.buckets keyed by id when `dbname` has bucket rows."""
    if BUCKETS in configured:
        return configured
    with views.connected(dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (BUCKETS,))
        row = cur.fetchone()
        if not (row and row[0]):
            return configured
        cur.execute("SELECT EXISTS (SELECT FROM storage.buckets)")
        row = cur.fetchone()
    return {**configured, BUCKETS: ("id",)} if row and row[0] else configured


def configured_reference(views: Views, dbname: str, configured: dict[str, tuple[str, ...]],
                         declarations: SqlFile | None = None) -> list[ReferenceTable]:
    """The reference tables pyproject.toml lists (and `declarations` INSERTs into, when
    given), resolved in `dbname`; tables `dbname` lacks are left out."""
    source = declarations or SqlFile(Path("-"), "")
    tables = [replace(t, columns=BUCKET_COLUMNS) if t.qualified == BUCKETS and not t.columns
              else t for t in listed_tables(source, configured) if views.scope.keeps_rows(t)]
    if not tables:
        return []
    with views.connected(dbname) as conn:
        return resolve_keys(conn, tables)


def pull(views: Views, databases: Databases, source: str, setup: build.Setup,
         configured: dict[str, tuple[str, ...]], *, path: Path, title: list[str],
         declarations: SqlFile | None = None) -> Pulled:
    """schema.sql for database `source`, proven: applied to an empty project it gives a
    database both judges find equal to `source` (and the same reference rows)."""
    server = views.server
    base = base_database(server, databases, setup)
    configured = with_buckets(views, source, configured)
    reference = configured_reference(views, source, configured, declarations)
    candidates = make_plans(views, base, source, reference, rollback=False)
    failures: list[str] = []
    for plan in candidates:  # by table first; migra's own order when that does not apply
        statements = validated_at_once(plan.up_statements())
        text = layout.render(statements, title)
        written = SqlFile(path, text)
        try:
            copy = build.desired(server, databases, written, setup)
        except SQLInputError as exc:
            failures.append(str(exc))
            continue
        with views.connected(copy) as conn:
            declared = declared_tables(written, configured, views.scope, conn)
        comparison: Comparison = Judge(views, declared).compare(source, copy)
        views.forget(copy)
        databases.drop(copy)
        if comparison.equal:
            return Pulled(text, [t for t in map(created_table, statements) if t], len(statements),
                          [t.qualified for t in declared])
        failures.append(comparison.render())
    unmanaged = _unmanaged_project_schemas(server, base, source, views.scope.schemas)
    if unmanaged:
        raise UsageError(
            f"The migrations create schema(s) {', '.join(unmanaged)}, which `schemas` in "
            "[tool.schemadiff] does not list, and the schema.sql written without them does "
            "not reproduce the database; nothing was written.",
            detail="\n".join(failures) + "\nAdd them to `schemas` (the managed objects use "
                   "them, e.g. a policy calling a function there), then run pull again.")
    raise VerificationError(
        "The schema.sql written from the database does not reproduce it; nothing was written.",
        detail="\n".join(failures) + "\nThis is a schemadiff bug: please report it with the "
        "statements above.")


_SCHEMAS = "SELECT nspname FROM pg_namespace ORDER BY 1"


def _unmanaged_project_schemas(server: Server, base: str, source: str,
                               managed: tuple[str, ...]) -> list[str]:
    """Schemas the project's history created (the platform alone lacks them) and that the
    configuration does not manage."""
    platform = {name for (name,) in server.query(base, _SCHEMAS)}
    return [name for (name,) in server.query(source, _SCHEMAS)
            if name not in platform and name not in managed and not name.startswith("pg_")]

