"""What user SQL may do on a scratch server, decided from pglast's parse tree before it runs.

Refused everywhere: reading or writing the server's files and running programs on its
machine (COPY ... PROGRAM, COPY to or from a server file, pg_read_file(), lo_import(), ...,
LOAD and LANGUAGE C functions), also inside function bodies and DO blocks. Such SQL would
act on the machine, not on the scratch database, and leave no trace in a migration.

Refused on a server the user owns (`url`): statements acting beyond the scratch database
(CREATE/ALTER/DROP DATABASE, privileges on databases, ALTER SYSTEM, tablespaces, DROP ROLE).

Also told apart here, for apply.py: transaction control (a file holding BEGIN/COMMIT is run
statement by statement, as the Supabase CLI does) and statements that cannot run inside a
transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...), which the CLI runs on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pglast import ast, visitors
from pglast.enums import ObjectType, ReindexObjectType, TransactionStmtKind
from pglast.parser import ParseError, scan

# Server-side file and program access, by name (core and adminpack).
FILE_FUNCTIONS = frozenset({
    "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_dir", "pg_ls_logdir",
    "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_ls_logicalmapdir",
    "pg_ls_logicalsnapdir", "pg_ls_replslotdir", "lo_import", "lo_export", "pg_file_write",
    "pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_logdir_ls",
})
# Statements worth parsing into a tree: only these can be refused or treated apart. Most
# statements (CREATE TABLE, CREATE INDEX, ...) match nothing and are never parsed twice;
# a false match costs one parse, never a wrong verdict.
_WORTH_PARSING = re.compile(
    r"^\s*(begin|start|commit|end|rollback|abort|savepoint|release|vacuum|reindex|do|load|"
    r"drop\s+(role|user|group))\b|"
    r"\b(copy|concurrently|database|system|tablespace|subscription)\b|\blanguage\s+'?c\b|"
    r"pg_read|pg_ls_|pg_stat_file|lo_import|lo_export|pg_file_|pg_logdir",
    re.IGNORECASE)


def worth_parsing(statement: str) -> bool:
    """Whether `statement` may be one this module tells apart (see _WORTH_PARSING)."""
    return bool(_WORTH_PARSING.search(statement))


# The statements that make the Supabase CLI run a file statement by statement (measured
# with `supabase migration up` 3.1.0: BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK and
# ABORT do; SAVEPOINT does not).
_SWITCHING = {TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START,
              TransactionStmtKind.TRANS_STMT_COMMIT, TransactionStmtKind.TRANS_STMT_ROLLBACK}


class Refusal(Exception):
    """A statement user SQL may not run here: where (character offset) and why."""

    def __init__(self, offset: int, message: str, advice: str) -> None:
        super().__init__(message)
        self.offset, self.message, self.advice = offset, message, advice


def controls_transaction(node: ast.Node | None) -> bool:
    """BEGIN/COMMIT/ROLLBACK (and their spellings): the file manages its own transactions."""
    return isinstance(node, ast.TransactionStmt) and node.kind in _SWITCHING


def opens_transaction(node: ast.Node | None) -> bool:
    return isinstance(node, ast.TransactionStmt) and node.kind in (
        TransactionStmtKind.TRANS_STMT_BEGIN, TransactionStmtKind.TRANS_STMT_START)


def needs_block(node: ast.Node | None) -> bool:
    """SAVEPOINT, RELEASE, ROLLBACK TO: only valid inside BEGIN ... COMMIT."""
    return isinstance(node, ast.TransactionStmt) and node.kind in (
        TransactionStmtKind.TRANS_STMT_SAVEPOINT, TransactionStmtKind.TRANS_STMT_RELEASE,
        TransactionStmtKind.TRANS_STMT_ROLLBACK_TO)


def runs_alone(node: ast.Node | None) -> bool:
    """Statements Postgres refuses inside a transaction block; the CLI commits before them."""
    match node:
        case ast.IndexStmt() | ast.DropStmt():
            return bool(node.concurrent)
        case ast.ReindexStmt():
            options = {p.defname for p in node.params or ()}
            return "concurrently" in options or node.kind in (
                ReindexObjectType.REINDEX_OBJECT_SYSTEM, ReindexObjectType.REINDEX_OBJECT_DATABASE)
        case ast.VacuumStmt():
            return bool(node.is_vacuumcmd)
        case (ast.CreatedbStmt() | ast.DropdbStmt() | ast.AlterSystemStmt()
              | ast.CreateTableSpaceStmt() | ast.DropTableSpaceStmt()
              | ast.CreateSubscriptionStmt() | ast.DropSubscriptionStmt()):
            return True
    return False


def check(statements: Iterable[tuple[int, ast.Node | None]], *, shared_server: bool) -> None:
    """Raise Refusal for the first statement that may not run: (offset in the file, its
    parse tree, whose locations count from the statement's start) pairs."""
    for offset, node in statements:
        if node is None:
            continue
        if shared_server:
            _beyond_database(offset, node)
        _server_files(offset, node)


_SHARED_ADVICE = ("the url backend runs on a server you own, shared by its other databases: "
                  "use --backend local or embedded (a private server), or move this statement "
                  "out of the SQL schemadiff applies.")


def _beyond_database(offset: int, node: ast.Node) -> None:
    what = None
    match node:
        case ast.CreatedbStmt() | ast.DropdbStmt() | ast.AlterDatabaseStmt() \
                | ast.AlterDatabaseSetStmt() | ast.AlterDatabaseRefreshCollStmt():
            what = "creates, alters or drops a database"
        case ast.AlterSystemStmt():
            what = "changes the server's configuration (ALTER SYSTEM)"
        case ast.CreateTableSpaceStmt() | ast.DropTableSpaceStmt() \
                | ast.AlterTableSpaceOptionsStmt():
            what = "creates, alters or drops a tablespace"
        case ast.DropRoleStmt():
            what = "drops a role (roles belong to the whole server)"
        case ast.GrantStmt() if node.objtype in (ObjectType.OBJECT_DATABASE,
                                                  ObjectType.OBJECT_TABLESPACE):
            what = "changes privileges on a database or tablespace"
        case ast.RenameStmt() if node.renameType in (ObjectType.OBJECT_DATABASE,
                                                      ObjectType.OBJECT_TABLESPACE):
            what = "renames a database or tablespace"
        case ast.AlterOwnerStmt() if node.objectType in (ObjectType.OBJECT_DATABASE,
                                                          ObjectType.OBJECT_TABLESPACE):
            what = "changes the owner of a database or tablespace"
    if what:
        raise Refusal(offset, f"refused on a shared server: this statement {what}, beyond the "
                              "scratch database", _SHARED_ADVICE)


_FILE_ADVICE = ("schemadiff never runs programs or touches files on the database server. "
                "Load data with INSERT statements (or COPY ... FROM STDIN in a seed file the "
                "Supabase CLI loads), not from the server's file system.")


def _language(node: ast.CreateFunctionStmt) -> str:
    for option in node.options or ():
        if option.defname == "language" and isinstance(option.arg, ast.String):
            return str(option.arg.sval).lower()
    return ""


def _server_files(offset: int, node: ast.Node) -> None:
    if isinstance(node, ast.LoadStmt) or (
            isinstance(node, ast.CreateFunctionStmt) and _language(node) == "c"):
        raise Refusal(offset, "refused: this statement loads a library from the database "
                              "server's files (LOAD, or a LANGUAGE C function)", _FILE_ADVICE)
    if isinstance(node, ast.CopyStmt) and (node.is_program or node.filename is not None):
        what = "runs a program" if node.is_program else "reads or writes a server file"
        raise Refusal(offset, f"refused: COPY ... {'PROGRAM' if node.is_program else 'a file'} "
                              f"{what} on the database server", _FILE_ADVICE)
    for location, name in _calls(node):
        raise Refusal(offset + max(location, 0),
                      f"refused: {name}() reads or writes files on the database server",
                      _FILE_ADVICE)
    for location, body in _bodies(node):
        hit = _in_body(body)
        if hit is not None:
            where, what = hit
            raise Refusal(offset + location + where,
                          f"refused: a function body or DO block {what}",
                          _FILE_ADVICE)


class _Calls(visitors.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []

    def visit_FuncCall(self, ancestors, node) -> None:  # noqa: ARG002, N802 - pglast's API
        name = node.funcname[-1].sval.lower()
        if name in FILE_FUNCTIONS:
            self.found.append((node.location, name))


def _calls(node: ast.Node) -> list[tuple[int, str]]:
    visitor = _Calls()
    visitor(node)
    return visitor.found


def _bodies(node: ast.Node) -> list[tuple[int, str]]:
    """(offset, text) of the bodies of CREATE FUNCTION/PROCEDURE ... AS '...' and DO '...'."""
    if isinstance(node, ast.CreateFunctionStmt | ast.DoStmt):
        options = node.options if isinstance(node, ast.CreateFunctionStmt) else node.args
        found = []
        for option in options or ():
            if option.defname != "as":
                continue
            args = option.arg if isinstance(option.arg, tuple) else (option.arg,)
            for arg in args:
                if isinstance(arg, ast.String) and arg.sval:
                    found.append((max(option.arg_location or 0, 0), str(arg.sval)))
        return found
    return []


def _unquote(token: str) -> str:
    if token.startswith("$"):
        tag = token[: token.index("$", 1) + 1]
        return token[len(tag): -len(tag)]
    if token[:1] in "eE":
        token = token[1:]
    return token[1:-1].replace("''", "'")


def _in_body(body: str, depth: int = 0) -> tuple[int, str] | None:
    """(offset, what) of file or program access in a body's tokens, looking into the strings
    it holds too (EXECUTE 'COPY ...'); None when there is none."""
    try:
        tokens = scan(body)
    except ParseError:
        return None
    for i, token in enumerate(tokens):
        word = body[token.start: token.end + 1]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if (token.name == "IDENT" and word.lower() in FILE_FUNCTIONS and following is not None
                and following.name == "ASCII_40"):
            return token.start, f"calls {word.lower()}(), which reads or writes server files"
        if token.name == "COPY":
            for after, nxt in zip(tokens[i + 1:], tokens[i + 2:], strict=False):
                if after.name == "ASCII_59":
                    break
                if after.name == "PROGRAM":
                    return token.start, "runs COPY ... PROGRAM, a program on the server"
                if after.name in ("FROM", "TO") and nxt.name == "SCONST":
                    return token.start, "runs COPY to or from a server file"
        if token.name == "SCONST" and depth < 3:
            inner = _in_body(_unquote(body[token.start: token.end + 1]), depth + 1)
            if inner is not None:
                return token.start + inner[0], inner[1]
    return None
