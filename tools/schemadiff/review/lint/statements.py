"""Where a file's statements are, what each names, creates and locks, and the silences before it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from .rules import RULES, SILENCE_PREFIX, Finding


@dataclass
class Statement:
    start: int
    end: int
    node: ast.Node | None
    objects: set[str] = field(default_factory=set)
    creates: str | None = None  # "table:schema.name" created here
    locks: set[str] = field(default_factory=set)  # tables whose locks it takes
    silences: dict[str, str] = field(default_factory=dict)  # rule -> reason


def _table(rel: ast.RangeVar | None) -> str:
    # Every statement _describe reads names its table, and every foreign key its target.
    assert rel is not None
    return f"table:{rel.schemaname or 'public'}.{rel.relname}"


def _schema_of(table_key: str | None) -> str:
    return table_key.split(":", 1)[1].split(".", 1)[0] if table_key else "public"


def _constraint(table_key: str | None, name: str | None) -> str | None:
    if not table_key or not name:
        return None
    return f"constraint:{table_key.split(':', 1)[1]}.{name}"


def _references(constraints: Iterable) -> set[str]:
    """Tables that the foreign keys among `constraints` reference (their locks are taken too)."""
    return {_table(c.pktable) for c in constraints
            if isinstance(c, ast.Constraint) and c.contype == ConstrType.CONSTR_FOREIGN}


def _describe(node: ast.Node | None) -> tuple[set[str], str | None, set[str]]:
    """(objects named, table created, tables locked) for one parsed statement."""
    objects: set[str] = set()
    if isinstance(node, ast.CreateStmt):
        table = _table(node.relation)
        objects.add(table)
        locks: set[str] = set()
        for element in node.tableElts or ():
            constraints = [element] if isinstance(element, ast.Constraint) else []
            if isinstance(element, ast.ColumnDef):
                constraints = list(element.constraints or ())
            locks |= _references(constraints)
            for con in constraints:
                if key := _constraint(table, getattr(con, "conname", None)):
                    objects.add(key)
        return objects, table, locks
    if isinstance(node, ast.IndexStmt):
        table = _table(node.relation)
        objects.add(table)
        if node.idxname:
            objects.add(f"index:{_schema_of(table)}.{node.idxname}")
        return objects, None, {table}
    if isinstance(node, ast.AlterTableStmt):
        table = _table(node.relation)
        objects.add(table)
        locks = {table}
        for cmd in node.cmds or ():
            definition = cmd.def_
            if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(definition,
                                                                            ast.Constraint):
                locks |= _references([definition])
                if key := _constraint(table, definition.conname):
                    objects.add(key)
                if definition.contype in (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE):
                    if definition.indexname:
                        objects.add(f"index:{_schema_of(table)}.{definition.indexname}")
                    if definition.conname:
                        objects.add(f"index:{_schema_of(table)}.{definition.conname}")
            elif cmd.subtype == AlterTableType.AT_DropConstraint:
                if key := _constraint(table, cmd.name):
                    objects.add(key)
            elif cmd.subtype == AlterTableType.AT_AddColumn and isinstance(definition,
                                                                          ast.ColumnDef):
                locks |= _references(definition.constraints or ())
        return objects, None, locks
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        table = _table(node.table)
        return {table, f"policy:{table.split(':', 1)[1]}.{node.policy_name}"}, None, {table}
    if isinstance(node, ast.ViewStmt):
        return {_table(node.view)}, None, set()
    if isinstance(node, ast.CreateFunctionStmt | ast.AlterFunctionStmt):
        if isinstance(node, ast.CreateFunctionStmt):
            names = node.funcname
        else:
            names = node.func.objname if node.func is not None else ()
        parts = [getattr(p, "sval", "") for p in names or ()]
        function = ".".join(parts if len(parts) > 1 else ["public", *parts])
        return {f"function:{function}"}, None, set()
    if isinstance(node, ast.RenameStmt) and node.relation is not None:
        table = _table(node.relation)
        return {table}, None, {table}
    if isinstance(node, ast.DropStmt) and node.removeType in (ObjectType.OBJECT_TABLE,
                                                              ObjectType.OBJECT_INDEX):
        kind = "table" if node.removeType == ObjectType.OBJECT_TABLE else "index"
        for names in node.objects or ():
            parts = [getattr(p, "sval", "") for p in names]
            qualified = ".".join(parts if len(parts) > 1 else ["public", *parts])
            objects.add(f"{kind}:{qualified}")
        return objects, None, set()
    if isinstance(node, ast.CommentStmt) and node.objtype in (ObjectType.OBJECT_TABLE,
                                                             ObjectType.OBJECT_COLUMN):
        # COMMENT ON TABLE / COLUMN names its object as a list of strings.
        assert isinstance(node.object, tuple | list)
        parts = [getattr(p, "sval", "") for p in node.object]
        if node.objtype == ObjectType.OBJECT_COLUMN:
            parts = parts[:-1]
        table = "table:" + ".".join(parts if len(parts) > 1 else ["public", *parts])
        # COMMENT ON takes a SHARE UPDATE EXCLUSIVE lock on its table.
        return {table}, None, {table}
    if isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt):
        return {_table(node.relation)}, None, set()
    return objects, None, set()


# -- schemadiff-lint: ignore rule-a, rule-b -- reason
_SILENCE = re.compile(
    r"^\s*--\s*" + re.escape(SILENCE_PREFIX) + r"\s*ignore\s+(?P<rules>.*?)\s*"
    r"(?:--\s*(?P<reason>.*?))?\s*$"
)


@dataclass(frozen=True)
class Source:
    label: str
    text: str
    statements: list[Statement]
    problems: list[Finding]


def analyse(text: str, label: str, *, silenced_only: bool = False) -> Source:
    """Locate, parse and describe each statement; collect the silences before each.

    `silenced_only`: keep just the statements a silence precedes (all that another
    file, such as schema.sql, contributes), which spares parsing the rest.
    """
    statements: list[Statement] = []
    problems: list[Finding] = []
    previous_end = 0
    for piece in pglast.split(text, only_slices=True):
        silences: dict[str, str] = {}
        for line_start, line in _lines(text, previous_end, piece.start):
            match = _SILENCE.match(line)
            if not match:
                continue
            rules = [r for r in re.split(r"[\s,]+", match["rules"]) if r]
            lineno = text.count("\n", 0, line_start) + 1
            unknown = [r for r in rules if r not in RULES]
            if not match["reason"] or unknown or not rules:
                why = "gives no reason"
                if unknown or not rules:
                    why = f"names no known rule ({', '.join(unknown) or 'none'})"
                problems.append(Finding(
                    "lint-silence", "warn", label, lineno, 1,
                    f"this silence {why}, so it silences nothing.",
                    f"write it as: -- {SILENCE_PREFIX} ignore RULE -- <why it is fine>",
                ))
                continue
            for rule in rules:
                silences[rule] = match["reason"]
        problems += _silences_inside(text, piece, label)
        previous_end = after_semicolon(text, piece.stop)
        if silenced_only and not silences:
            continue
        try:
            parsed = pglast.parse_sql(text[piece])
            node = parsed[0].stmt if parsed else None
        except pglast.parser.ParseError:
            node = None
        objects, creates, locks = _describe(node)
        statements.append(Statement(piece.start, piece.stop, node, {o for o in objects if o},
                                     creates, {t for t in locks if t}, silences))
    return Source(label, text, statements, problems)


def _silences_inside(text: str, piece: slice, label: str) -> list[Finding]:
    """Silences written inside a statement (before a column of a CREATE TABLE): they
    would silence nothing, so each is reported instead of being ignored."""
    found = []
    for line_start, line in _lines(text, piece.start, piece.stop):
        if _SILENCE.match(line):
            found.append(Finding(
                "lint-silence", "warn", label, text.count("\n", 0, line_start) + 1, 1,
                "this silence is inside a statement, so it silences nothing: a silence "
                "applies to the whole statement after it.",
                "move it to the line before the statement (e.g. before CREATE TABLE)",
            ))
    return found


def _lines(text: str, start: int, stop: int) -> Iterable[tuple[int, str]]:
    position = start
    for line in text[start:stop].splitlines(keepends=True):
        yield position, line.rstrip("\n")
        position += len(line)


def after_semicolon(text: str, stop: int) -> int:
    semicolon = text.find(";", stop)
    return stop if semicolon < 0 else semicolon + 1


def statement_at(source: Source, offset: int) -> Statement | None:
    best = None
    for statement in source.statements:
        if statement.start <= offset:
            best = statement
        else:
            break
    return best


def position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
