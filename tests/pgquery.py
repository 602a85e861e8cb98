"""One query's rows from a scratch server, for tests that read what a run left behind."""

from __future__ import annotations


def query(server, sql: str, dbname: str | None = None) -> list[tuple]:
    """All rows of `sql`, run in database `dbname` (default: the server's admin database)."""
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()
