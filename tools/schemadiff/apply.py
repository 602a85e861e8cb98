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
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg2
import psycopg2.extensions

from . import guard
from .errors import SQLInputError
from .scratch import roles
from .scratch.server import out_of_resources
from .sources import SqlFile, Statement, pointer, read_sql, split_statements

if TYPE_CHECKING:
    from .scratch import Server


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
