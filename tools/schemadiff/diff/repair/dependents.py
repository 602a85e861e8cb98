"""Catalog queries for what blocks dropping or re-creating an object (used by repair)."""

from __future__ import annotations

from functools import cache

from ... import sql


@cache
def query(targets_file: str) -> str:
    """`targets_file` (defining the CTE `deps`, and kinds of its own) + the shared kinds."""
    return (
        sql.load(targets_file)
        + "UNION ALL\n"
        + sql.load("repair_dependents.sql")
        + "ORDER BY 1, 2, 3, 4;\n"
    )

