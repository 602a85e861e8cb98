"""Catalog queries for what blocks dropping or re-creating an object (used by repair)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def query(targets_file: str) -> str:
    """`targets_file` (defining the CTE `deps`, and kinds of its own) + the shared kinds."""
    sql = resources.files("schemadiff.sql")
    return (
        sql.joinpath(targets_file).read_text("utf-8")
        + "UNION ALL\n"
        + sql.joinpath("repair_dependents.sql").read_text("utf-8")
        + "ORDER BY 1, 2, 3, 4;\n"
    )
