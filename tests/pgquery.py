"""Reading and writing a scratch database from tests, on a connection of their own."""

from __future__ import annotations

from pathlib import Path


def rows(server, dbname: str | None, sql: str) -> list[tuple]:
    """All rows of `sql`, run in database `dbname` (None: the server's admin database)."""
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def query(server, sql: str, dbname: str | None = None) -> list[tuple]:
    """`rows`, with the database last (most callers read the admin database)."""
    return rows(server, dbname, sql)


def run_sql(server, dbname: str, text: str) -> None:
    """Apply `text` to `dbname` as schemadiff applies a file (errors name test.sql:line)."""
    from schemadiff.apply import apply_sql
    from schemadiff.sources import SqlFile

    conn = server.connect(dbname)
    try:
        apply_sql(conn, SqlFile(Path("test.sql"), text))
    finally:
        conn.close()
