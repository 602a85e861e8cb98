"""The repairs' catalog reads: one connection per read, and the query for what blocks
dropping or re-creating an object."""

from __future__ import annotations

from functools import cache

from ... import sql
from ...scratch import Server


@cache
def query(targets_file: str) -> str:
    """`targets_file` (defining the CTE `deps`, and kinds of its own) + the shared kinds."""
    return (
        sql.load(targets_file)
        + "UNION ALL\n"
        + sql.load("repair_dependents.sql")
        + "ORDER BY 1, 2, 3, 4;\n"
    )


def catalog_rows(server: Server, dbname: str, text: str, params: dict, *,
                 as_dicts: bool = False) -> list:
    """The rows of catalog query `text` in `dbname` (tuples, or dicts by column name)."""
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(text, params)
            rows = cur.fetchall()
            if as_dicts:
                columns = [column.name for column in cur.description]
                return [dict(zip(columns, row, strict=True)) for row in rows]
            return rows
    finally:
        conn.close()
