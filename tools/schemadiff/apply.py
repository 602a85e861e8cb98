"""Load SQL files into a database as the Supabase CLI does (`supabase migration up`).

Measured with the CLI (3.1.0; tests/test_hardening.py holds the cases): a file without
transaction control runs in one transaction, except that a statement Postgres refuses in
a transaction (CREATE INDEX CONCURRENTLY, VACUUM) commits what came before it and runs on
its own; a file holding BEGIN/COMMIT/ROLLBACK runs statement by statement, outside a
transaction unless the file opened one, and a failure rolls back only the open one.
A failed file is never retried outside a transaction. What user SQL may not do at all
(server files and programs; on a shared server, anything beyond the scratch database) is
refused before anything runs (guard.py).

Errors point at the failing SQL: `file:line:col: message`, the line, and a caret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pglast
import psycopg2
import psycopg2.extensions
from pglast import ast
from pglast.parser import ParseError

from . import guard
from .errors import SQLInputError
from .scratch import roles
from .scratch.server import out_of_resources

if TYPE_CHECKING:
    from .scratch import Server


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


def execute_statements(conn, source: SqlFile, statements: list[Statement]) -> None:
    """Run statements on `conn` in the caller's transaction (if any); errors point at the file."""
    with conn.cursor() as cur:
        for statement in statements:
            try:
                cur.execute(statement.text)
            except psycopg2.Error as exc:
                if connection_lost(conn, exc):
                    # Not the SQL's fault: the server went away. The CLI reports it as such.
                    raise
                if resources := out_of_resources(exc):
                    raise resources from None
                raise _located_error(source, statement, exc) from None


def connection_lost(conn, exc: psycopg2.Error) -> bool:
    """True when `exc` means the server or connection is gone, not that the SQL was wrong."""
    # Errors the server sends carry a SQLSTATE; a dropped connection has none.
    return bool(conn.closed) or (
        exc.pgcode is None and isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)
    )


def refuse(source: SqlFile, statements: list[Statement], *, shared_server: bool) -> None:
    """SQLInputError (file:line:col) for the first statement user SQL may not run here."""
    try:
        guard.check(((s.offset, s.node) for s in statements), shared_server=shared_server)
    except guard.Refusal as refusal:
        where, shown = pointer(source, refusal.offset)
        raise SQLInputError(f"{where}: {refusal.message}; nothing was applied.",
                            detail=f"{shown}\n  fix: {refusal.advice}") from None


def apply_sql(conn, source: SqlFile, *, shared_server: bool = False) -> None:
    """Apply a whole file as the Supabase CLI does (see the module docstring).

    `shared_server`: the server is the user's (url backend); statements acting beyond the
    scratch database are refused too.
    """
    statements = split_statements(source)
    refuse(source, statements, shared_server=shared_server)
    autocommit = conn.autocommit
    # We send BEGIN/COMMIT ourselves: psycopg2's own transaction would not notice a COMMIT
    # in the file, and everything after it would escape any rollback.
    conn.autocommit = True
    try:
        if any(guard.controls_transaction(st.node) for st in statements):
            _statement_by_statement(conn, source, statements)
        else:
            _in_transactions(conn, source, statements)
    except BaseException:
        # On a lost connection there is nothing to roll back (the server did), and trying
        # would hide the real error behind "connection already closed".
        _rollback_if_open(conn)
        raise
    finally:
        if not conn.closed:
            conn.autocommit = autocommit


def _rollback_if_open(conn) -> None:
    if conn.closed:
        return
    if conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        with conn.cursor() as cur:
            cur.execute("ROLLBACK")


def _in_transactions(conn, source: SqlFile, statements: list[Statement]) -> None:
    """One transaction, cut only around statements that must run on their own."""
    batch: list[Statement] = []
    for statement in statements:
        if guard.runs_alone(statement.node):
            _one_transaction(conn, source, batch)
            batch = []
            execute_statements(conn, source, [statement])
        elif guard.needs_block(statement.node):
            # The CLI's transaction is not a block: SAVEPOINT fails there, undoing the file.
            _one_transaction(conn, source, batch, commit=False)
            where, shown = pointer(source, statement.offset)
            raise SQLInputError(
                f"{where}: SAVEPOINT can only be used in transaction blocks",
                detail=f"{shown}\n  fix: put BEGIN; before it and COMMIT; after the block (the "
                       "Supabase CLI fails here too, and applies nothing of this file).")
        else:
            batch.append(statement)
    _one_transaction(conn, source, batch)


def _one_transaction(conn, source: SqlFile, batch: list[Statement], *,
                     commit: bool = True) -> None:
    if not batch:
        return  # psycopg2 refuses an empty query
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        try:
            # One round trip for the whole batch (a second less at 1000 tables than one per
            # statement). The batch holds no transaction control, so nothing in it commits.
            cur.execute("\n;\n".join(st.text for st in batch))
        except psycopg2.Error as exc:
            if connection_lost(conn, exc):
                raise
            cur.execute("ROLLBACK")
            if resources := out_of_resources(exc):
                raise resources from None
            _locate(conn, source, batch, exc)
        cur.execute("COMMIT" if commit else "ROLLBACK")


def _locate(conn, source: SqlFile, batch: list[Statement], exc: psycopg2.Error) -> None:
    """Raise the error of the statement that failed: the batch again, one statement at a
    time, inside a transaction that is always rolled back."""
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        try:
            execute_statements(conn, source, batch)
        finally:
            _rollback_if_open(conn)
    message = (exc.diag.message_primary or str(exc)).strip()
    raise SQLInputError(f"{source.label}: {message}",
                        detail="It failed as a whole but not statement by statement.")


def _statement_by_statement(conn, source: SqlFile, statements: list[Statement]) -> None:
    """A file with BEGIN/COMMIT: each statement on its own, in the transactions the file
    opens; a failure rolls back the open one, what was committed stays (as with the CLI)."""
    try:
        execute_statements(conn, source, statements)
    except SQLInputError as exc:
        exc.detail = (exc.detail or "") + (
            "\n  note: this file holds BEGIN/COMMIT, so it runs statement by statement, as "
            "the Supabase CLI runs it: what ran before this statement outside an open "
            "transaction stays applied.")
        raise
    if conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        opened = [st for st in statements if guard.opens_transaction(st.node)][-1]
        where, shown = pointer(source, opened.offset)
        raise SQLInputError(
            f"{where}: this transaction is never committed: the file ends inside it.",
            detail=f"{shown}\n  fix: add COMMIT; at the end. (The Supabase CLI would report "
                   "success and silently roll back everything after this line.)")


def apply_file(conn, path: Path) -> None:
    apply_sql(conn, read_sql(path))


def apply_to(server: Server, dbname: str, source: SqlFile) -> None:
    """Apply `source` to database `dbname` of `server` as the Supabase CLI does, on a
    connection of its own."""
    conn = server.connect(dbname)  # apply_sql sends BEGIN/COMMIT itself
    try:
        with roles.tracked(server, conn, source.text):
            apply_sql(conn, source, shared_server=server.backend.shared_server)
    finally:
        conn.close()


# What to do next, by SQLSTATE (or its class): the file is applied top to bottom, in one
# transaction, so most "does not exist" errors are an ordering mistake.
_ADVICE = {
    "42P01": "create the table or view before this statement (the file runs top to bottom), "
             "or correct its name.",
    "42883": "create the function before this statement, or match its argument types.",
    "42704": "create the type, role or object before this statement, or correct its name.",
    "3F000": "create the schema before this statement (CREATE SCHEMA), or correct its name.",
    "42703": "correct the column name, or add the column before this statement.",
    "42P07": "the relation is created twice: remove one definition.",
    "42710": "the object is created twice: remove one definition.",
    "42723": "the function is created twice: use CREATE OR REPLACE, or remove one.",
    "42601": "correct the SQL at the caret.",
    "23": "the data breaks a constraint: correct the rows, or the constraint.",
}


_MISSING_EXTENSION = re.compile(r'^extension "([^"]+)" is not available')


_QUOTED_NAME = re.compile(r'^(?:relation|type|schema|function) "([^"]+)"')


def _named_in(text: str, message: str) -> int:
    """Offset in `text` of the object `message` names (relation "x" does not exist),
    as written there (qualified or not, quoted or not); else of the first token."""
    first = len(text) - len(text.lstrip())
    match = _QUOTED_NAME.match(message)
    if not match:
        return first
    name = r'"?' + re.escape(match[1].split(".")[-1]) + r'"?(?![\w$])'
    # A name after REFERENCES first: a column may share the missing table's name.
    found = (re.search(r'\breferences\s+(?:(?:"[^"]+"|\w+)\.)?' + name, text[first:],
                       re.IGNORECASE)
             or re.search(r'(?<![\w$"])' + name, text[first:], re.IGNORECASE))
    if not found:
        return first
    if found[0].lower().startswith("references"):
        keyword = re.match(r"references\s+", found[0], re.IGNORECASE)
        assert keyword is not None  # the first pattern starts with it
        return first + found.start() + keyword.end()
    # Step back over a schema qualifier (public.x), so the caret is on the whole name.
    start = first + found.start()
    qualifier = re.search(r'("[^"]+"|\w+)\.$', text[:start])
    return qualifier.start() if qualifier else start


def _located_error(source: SqlFile, statement: Statement, exc: psycopg2.Error) -> SQLInputError:
    diag = exc.diag
    offset = statement.offset
    if diag.statement_position:
        offset += int(diag.statement_position) - 1
    else:
        # No position from Postgres (e.g. a REFERENCES to a missing table): point at the
        # name it complains about when the statement spells it, else at its first token.
        offset += _named_in(statement.text, diag.message_primary or "")
    where, shown = pointer(source, offset)
    message = (diag.message_primary or str(exc)).strip()
    extra = [shown]
    if diag.message_detail:
        extra.append(f"  detail: {diag.message_detail}")
    if diag.message_hint:
        extra.append(f"  hint: {diag.message_hint}")
    if diag.context and "PL/pgSQL" in diag.context:
        extra.append(f"  context: {diag.context.strip()}")
    advice = _ADVICE.get(diag.sqlstate or "") or _ADVICE.get((diag.sqlstate or "")[:2])
    if missing := _MISSING_EXTENSION.match(diag.message_primary or ""):
        advice = (f"this scratch server has no {missing[1]} and schemadiff has no stand-in "
                  "for it: run on a server that has it (--backend embedded has vector, "
                  "citext, btree_gist, pg_trgm; --backend url or docker for others, e.g. a "
                  "supabase/postgres image for postgis).")
    if advice:
        extra.append(f"  fix: {advice}")
    error = SQLInputError(f"{where}: {message}", detail="\n".join(extra))
    error.sqlstate = diag.sqlstate  # type: ignore[attr-defined]
    return error
