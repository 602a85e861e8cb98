"""SQL files as schemadiff reads them: the text, its statements (split by Postgres's own
parser) and the file:line:col of any offset in it, for errors that point at the SQL.

Reading only; applying them to a database is apply.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pglast
from pglast import ast
from pglast.parser import ParseError

from . import guard
from .errors import SQLInputError


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SqlFile:
    """SQL text and the file it came from (for messages).

    Read from a directory (`read_schema`), the text is its files joined in name order and
    `parts` says where each begins, so messages still name the file and its line.
    """

    path: Path
    text: str
    parts: tuple[tuple[int, Path], ...] = ()  # (offset in text, file), ascending

    @property
    def label(self) -> str:
        return _label(self.path)

    def locate(self, offset: int) -> tuple[Path, int, int]:
        """(file, offset of its first character in text, offset inside it) of `offset`."""
        start, path = 0, self.path
        for part_start, part_path in self.parts:
            if part_start > offset:
                break
            start, path = part_start, part_path
        return path, start, offset - start


@dataclass(frozen=True)
class Statement:
    text: str
    offset: int  # character offset of the statement in its file
    node: ast.Node | None = None  # pglast's parse tree of it


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def pointer(source: SqlFile, offset: int) -> tuple[str, str]:
    """('file:line:col', 'the line\\n   ^') for a character offset in `source`."""
    path, start, offset = source.locate(offset)
    text = source.text[start:]
    line, column = position(text, offset)
    lines = text.splitlines() or [""]
    shown = lines[min(line, len(lines)) - 1]
    caret = " " * (column - 1) + "^"
    return f"{_label(path)}:{line}:{column}", f"  {shown}\n  {caret}"


def read_sql(path: Path) -> SqlFile:
    """Read a SQL file as UTF-8; a bad byte is reported with its line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SQLInputError(f"{path}: file not found.") from None
    except OSError as exc:
        raise SQLInputError(f"{path}: cannot read: {exc.strerror}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SQLInputError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}).",
            detail="Save the file as UTF-8.",
        ) from None
    return SqlFile(path, text.removeprefix("\ufeff"))


# pg_dump since 17.6/16.10/15.14 (CVE-2025-8714) wraps its output in `\restrict KEY` …
# `\unrestrict KEY`: psql commands that only keep psql from running other backslash
# commands smuggled into the dump. A schema file dumped so means the SQL between them.
_DUMP_RESTRICT = re.compile(r"^\\(?:un)?restrict [A-Za-z0-9]+[ \t]*$", re.MULTILINE)


def _without_dump_restrict(source: SqlFile) -> SqlFile:
    # Commented out in place: every other line and column stays where it was.
    text = _DUMP_RESTRICT.sub(lambda match: "--" + match[0][2:], source.text)
    return source if text == source.text else SqlFile(source.path, text, source.parts)


def read_schema(path: Path) -> SqlFile:
    """The schema file, or every `.sql` file of a schema directory in name order (the
    Supabase CLI's supabase/schemas/), as one source that still locates by file."""
    if not path.is_dir():
        return _without_dump_restrict(read_sql(path))
    files = sorted(p for p in path.iterdir() if p.suffix == ".sql" and p.is_file())
    if not files:
        raise SQLInputError(f"{path}/: holds no .sql file.",
                            detail="Declare your schema in .sql files there, applied in "
                                   "name order (e.g. 10_tables.sql, 20_policies.sql).")
    text, parts = "", []
    for file in files:
        parts.append((len(text), file))
        # Each file ends its own last statement, as when the files are applied one by one.
        text += read_sql(file).text + "\n;\n"
    return _without_dump_restrict(SqlFile(path, text, tuple(parts)))


def split_statements(source: SqlFile) -> list[Statement]:
    """The file's statements, located, using Postgres's own parser (pglast)."""
    try:
        slices = pglast.split(source.text, only_slices=True)
    except ParseError as exc:
        message, offset = exc.args[0], exc.args[1]
        where, shown = pointer(source, offset)
        hint = _meta_command_hint(source, offset)
        raise SQLInputError(f"{where}: {message}", detail=shown + hint) from None
    return [Statement(source.text[s], s.start, _tree(source.text[s])) for s in slices]


def _tree(text: str) -> ast.Node | None:
    """The statement's parse tree when guard.py may need it (building every tree would
    cost a second at 1000 tables); None for the rest."""
    if not guard.worth_parsing(text):
        return None
    try:
        return pglast.parse_sql(text)[0].stmt
    except (ParseError, IndexError):
        return None  # split already accepted it; nothing here to tell apart


def _meta_command_hint(source: SqlFile, offset: int) -> str:
    line, _ = position(source.text, offset)
    text = source.text.splitlines()[line - 1] if source.text else ""
    if text.lstrip().startswith("\\"):
        return (
            "\n  psql meta-commands (\\i, \\set, ...) are not SQL: schemadiff loads plain SQL "
            "only. Inline the included file's statements instead."
        )
    return ""
