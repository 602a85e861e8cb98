"""The tool's SQL files, and the one function that reads them.

Catalog queries live here as .sql files rather than strings in Python, so they can be
read, run and reviewed as SQL (schemainspect does the same).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str, package: str = __name__) -> str:
    """The text of the SQL file `name` of `package` (default: this one), e.g.
    "catalog_columns.sql"."""
    return resources.files(package).joinpath(name).read_text("utf-8")


@cache
def load_folder(folder: str, package: str) -> dict[str, str]:
    """{file name: text} of every file in `folder` of `package`, e.g. extension stand-ins."""
    root = resources.files(package).joinpath(folder)
    return {entry.name: entry.read_text("utf-8") for entry in sorted(
        root.iterdir(), key=lambda e: e.name) if entry.is_file()}
