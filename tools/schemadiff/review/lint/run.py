"""Run lint where it needs a database: on diff's generated migration, or on files standalone."""

from __future__ import annotations

from pathlib import Path

from ... import build, migrations
from ...apply import SqlFile, read_sql, split_statements
from ...config import Config
from ...platform import named
from ...progress import Steps
from ...scratch import Databases, Server
from . import Finding, lint


def _silences_from(schema: SqlFile | None, skip: Path | None = None) -> list[tuple[str, str]]:
    """schema.sql as an extra source of silences (none when it is the file being linted)."""
    if schema is None or (skip is not None and schema.path.resolve() == skip.resolve()):
        return []
    return [(schema.label, schema.text)]


def _schema_leniently(config: Config) -> SqlFile | None:
    """schema.sql for its silences, when there is one; a bad byte does not stop lint."""
    path = config.schema_file
    if not path.is_file():
        return None
    return SqlFile(path, path.read_text(encoding="utf-8", errors="replace"))


def lint_migration(server: Server, dbname: str, text: str, label: str,
                   config: Config, schema: SqlFile) -> list[Finding]:
    """Lint generated migration `text` against `dbname`, a database in the state after it."""
    conn = server.connect(dbname)
    try:
        return lint(text, label, config.lint, conn, extra_sources=_silences_from(schema),
                    pg_version=f"{config.postgres_major}.0",
                    exposed_schemas=config.exposed_schemas)
    finally:
        conn.close()


def _version(server: Server) -> str:
    number = server.version_num()
    return f"{number // 10000}.{number % 10000}"


def _apply_alone(server: Server, databases: Databases, source: SqlFile) -> str:
    dbname = databases.create("lint")
    build.apply_into(server, dbname, source.path)
    return dbname


def lint_files(config: Config, files: list[Path] | None = None, *, backend: str = "auto",
               steps: Steps | None = None) -> list[Finding]:
    """Lint `files` (default: every migration), each against the catalog it leads to.

    Migrations are read against all migrations replayed; schema.sql against itself
    applied; any other file against itself applied alone to the platform shim.
    """
    steps = steps or Steps()
    history = migrations.list_migrations(config.migrations_dir, config.rollbacks_dir)
    targets = [p.resolve() for p in files] if files else [m.path.resolve() for m in history]
    sources = [read_sql(path) for path in targets]  # bad files fail before a server starts
    for source in sources:
        split_statements(source)
    if not sources:
        return []
    in_history = {m.path.resolve() for m in history}
    schema = _schema_leniently(config)
    setup = build.Setup(tuple(read_sql(p) for p in config.platform_sql), config.legacy_grants_until)
    findings: list[Finding] = []
    with build.workspace(backend, config.postgres_major, steps,
                         platform=named(config.platform)) as (server, databases):
        replayed: str | None = None
        for source in sources:
            path = source.path
            if path in in_history:
                if replayed is None:
                    with steps.step(f"replaying {len(history)} migration(s)"):
                        replayed = build.replay(
                            server, databases, history,
                            setup=setup)
                dbname = replayed
            elif path == config.schema_file.resolve():
                with steps.step(f"applying {path.name}"):
                    dbname = build.desired(server, databases, source, setup)
            else:
                with steps.step(f"applying {path.name}"):
                    dbname = _apply_alone(server, databases, source)
            conn = server.connect(dbname)
            try:
                with steps.step(f"linting {path.name}"):
                    findings += lint(source.text, source.label, config.lint, conn,
                                     extra_sources=_silences_from(schema, skip=path),
                                     pg_version=_version(server),
                                     exposed_schemas=config.exposed_schemas)
            finally:
                conn.close()
    return findings
