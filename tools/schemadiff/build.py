"""Build the databases a run compares: the replayed migrations and schema.sql."""

from __future__ import annotations

from pathlib import Path

from .apply import apply_sql, read_sql, split_statements
from .errors import SQLInputError
from .migrations import Migration
from .scratch import Databases, Server


def apply_into(server: Server, dbname: str, path: Path) -> None:
    """Apply one SQL file to `dbname` in one transaction."""
    source = read_sql(path)
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_sql(conn, source)
    finally:
        conn.close()


def replay(server: Server, databases: Databases, migrations: list[Migration],
           template: str | None = None) -> str:
    """A database holding every migration applied in version order, each in its own transaction."""
    dbname = databases.create("current", template=template)
    for migration in migrations:
        apply_into(server, dbname, migration.path)
    return dbname


def desired(server: Server, databases: Databases, schema_file: Path) -> str:
    """A database holding schema.sql; an empty or missing schema.sql is refused."""
    source = read_sql(schema_file)
    if not split_statements(source):
        raise SQLInputError(
            f"{schema_file}: holds no SQL statement. Refusing to read that as 'drop everything'.",
            detail="Declare your schema in it, or restore it from version control.",
        )
    dbname = databases.create("desired")
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_sql(conn, source)
    finally:
        conn.close()
    return dbname
