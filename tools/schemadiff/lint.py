"""schemadiff lint: lock and rewrite hazards (squawk) plus the schema rules squawk lacks.

Rules (default level in brackets; set any of them in pyproject.toml):

    [tool.schemadiff.lint]
    redundant-index = "error"        # off | info | warn | error
    require-lock-timeout = "off"

- `redundant-index` [warn]: an index whose key columns lead another index or key on
  the same table; the other serves every lookup it serves, so it only slows writes.
- `fk-without-index` [warn]: a foreign key whose referencing columns no index leads
  with; each delete or key update of a referenced row scans the referencing table.
- `rls-disabled` [warn]: a table in an exposed schema (`public`) without row-level
  security: Supabase's API roles get ALL on it, so anyone with the anon key reads it.
- `rls-no-policy` [info]: RLS on and no policy: only service_role (BYPASSRLS) reaches
  the table. A valid choice for admin-only tables, hence information.
- squawk's rules (https://squawkhq.com), run with --assume-in-transaction since every
  migration is applied in one transaction. Lock and rewrite hazards warn; style rules
  (prefer-*, ban-char-field, require-table-schema, ...) are off. Lock hazards on a
  table created earlier in the same file are dropped: nobody else can see that table
  before the transaction commits, so nobody waits on its lock.
- `lint-silence` [warn]: a silence comment without a reason, or naming no known rule.

The schema rules read the database catalog: after the migration (`diff` passes its
"desired" database), or after replaying every migration (`schemadiff lint`). A finding
is reported only for objects the linted file creates or alters, at the statement that
does so.

Silencing a rule for one statement: a comment on the line(s) directly before it,
naming the rules and, after a second `--`, the reason (required):

    -- schemadiff-lint: ignore rls-no-policy -- admin-only: service_role reads it
    CREATE TABLE public.content_config (...);

A silence applies to the objects its statement names (table, index, constraint). In
schema.sql it also silences findings about those objects in generated migrations,
whose text is not hand-written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pglast
from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from . import sql
from .errors import EXIT_DRIFT, SchemadiffError, UsageError

LEVELS = ("off", "info", "warn", "error")
EXPOSED_SCHEMAS = ("public",)
SILENCE_PREFIX = "schemadiff-lint:"

OWN_RULES = {
    "redundant-index": "warn",
    "fk-without-index": "warn",
    "rls-disabled": "warn",
    "rls-no-policy": "info",
    "lint-silence": "warn",
}

# squawk 2.70's rules. Hazards to running traffic (locks, rewrites, breaking clients)
# warn; what cannot work in a transactional migration is an error; style is off.
SQUAWK_RULES = {
    "adding-field-with-default": "warn",
    "adding-foreign-key-constraint": "warn",
    "adding-not-nullable-field": "warn",
    "adding-required-field": "warn",
    "adding-serial-primary-key-field": "warn",
    "ban-alter-domain-with-add-constraint": "warn",
    "ban-concurrent-index-creation-in-transaction": "error",
    "ban-create-domain-with-constraint": "warn",
    "ban-drop-column": "warn",
    "ban-drop-database": "error",
    "ban-drop-not-null": "warn",
    "ban-drop-table": "warn",
    "ban-truncate-cascade": "error",
    "ban-uncommitted-transaction": "warn",
    "changing-column-type": "warn",
    "constraint-missing-not-valid": "warn",
    "disallowed-unique-constraint": "warn",
    "identifier-too-long": "warn",
    "renaming-column": "warn",
    "renaming-table": "warn",
    "require-concurrent-index-creation": "warn",
    "require-concurrent-index-deletion": "warn",
    "require-concurrent-partition-detach": "warn",
    "require-concurrent-reindex": "warn",
    "require-lock-timeout": "warn",
    "require-statement-timeout": "warn",
    "transaction-nesting": "error",
    # Style, or covered elsewhere: off unless turned on.
    "ban-char-field": "off",
    "prefer-bigint-over-int": "off",
    "prefer-bigint-over-smallint": "off",
    "prefer-identity": "off",
    "prefer-repack": "off",
    "prefer-robust-stmts": "off",  # a proven migration runs once, in one transaction
    "prefer-text-field": "off",
    "prefer-timestamp-tz": "off",
    "require-enum-value-ordering": "off",
    "require-table-schema": "off",
    "require-timeout-settings": "off",  # require-lock-timeout + require-statement-timeout
    # Opt-in squawk rules that ban whole kinds of change; off by default.
    **{name: "off" for name in (
        "ban-drop-view", "ban-drop-function", "ban-drop-type", "ban-drop-schema",
        "ban-drop-sequence", "ban-drop-domain", "ban-drop-constraint",
        "ban-drop-generated-expression", "renaming-object", "ban-set-schema",
        "ban-alter-identity", "ban-drop-extension", "ban-alter-generated-expression",
        "ban-drop-index", "ban-set-default", "ban-disable-trigger", "ban-replica-identity",
        "ban-drop-policy", "ban-revoke", "ban-replace-view-function",
        "ban-alter-policy-condition", "ban-alter-policy-roles", "ban-create-policy",
        "ban-alter-function-options", "ban-alter-view-options", "ban-alter-role-options",
        "ban-alter-database-options", "ban-alter-row-level-security",
        "ban-new-write-restriction", "ban-add-enum-value", "ban-add-composite-attribute",
        "ban-add-column", "ban-detach-inheritance", "ban-alter-sequence-values",
        "ban-alter-system-options", "ban-alter-extension",
    )},
}

RULES = {**OWN_RULES, **SQUAWK_RULES}

# squawk rules about locks or rewrites of an existing table: moot for a table created
# earlier in the same transaction.
LOCK_RULES = {
    "adding-field-with-default", "adding-foreign-key-constraint", "adding-not-nullable-field",
    "adding-required-field", "adding-serial-primary-key-field", "changing-column-type",
    "constraint-missing-not-valid", "disallowed-unique-constraint",
    "require-concurrent-index-creation", "require-lock-timeout", "require-statement-timeout",
}


@dataclass(frozen=True)
class Finding:
    """One lint finding, located in a file."""

    rule: str
    level: str  # "error" | "warn" | "info"
    file: str
    line: int  # 1-based
    column: int  # 1-based
    message: str
    silence: str  # how to silence it

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class LintError(SchemadiffError):
    """Lint found error-level problems."""

    exit_code = EXIT_DRIFT


def check_config(rules: dict[str, object], where: Path | str) -> None:
    """Refuse unknown rules and levels in [tool.schemadiff.lint]."""
    for rule, level in rules.items():
        if rule not in RULES:
            raise UsageError(
                f"{where}: [tool.schemadiff.lint] has no rule {rule!r}.",
                detail="Known rules: " + ", ".join(sorted(RULES)),
            )
        if level not in LEVELS:
            raise UsageError(
                f"{where}: [tool.schemadiff.lint] {rule} = {level!r}: "
                f"the level must be one of {', '.join(LEVELS)}."
            )


def levels(config_rules: dict[str, str]) -> dict[str, str]:
    """Every rule's level: the defaults, overridden by the config."""
    return {**RULES, **config_rules}


def silence_hint(rule: str) -> str:
    return f"-- {SILENCE_PREFIX} ignore {rule} -- <reason>   (line before the statement)"


def render(finding: Finding) -> str:
    """One finding as a line (plus the silence hint) for people."""
    return (f"{finding.where}: {finding.level} [{finding.rule}] {finding.message}\n"
            f"    silence: {finding.silence}")


def require_no_errors(findings: Sequence[Finding], what: str = "the migration") -> None:
    """Raise LintError listing the error-level findings, if any."""
    errors = [f for f in findings if f.level == "error"]
    if errors:
        raise LintError(
            f"lint found {len(errors)} error(s) in {what}; nothing was written.",
            detail="\n".join(render(f) for f in errors)
            + "\nFix them, silence them with a reason, or lower the rule's level in "
              "[tool.schemadiff.lint].",
        )


# --- statements: where they are, what they name, what silences precede them ---------------


@dataclass
class _Statement:
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
        return {table}, None, {table}
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
class _Source:
    label: str
    text: str
    statements: list[_Statement]
    problems: list[Finding]


def _analyse(text: str, label: str, *, silenced_only: bool = False) -> _Source:
    """Locate, parse and describe each statement; collect the silences before each.

    `silenced_only`: keep just the statements a silence precedes (all that another
    file, such as schema.sql, contributes), which spares parsing the rest.
    """
    statements: list[_Statement] = []
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
        previous_end = _after_semicolon(text, piece.stop)
        if silenced_only and not silences:
            continue
        try:
            parsed = pglast.parse_sql(text[piece])
            node = parsed[0].stmt if parsed else None
        except pglast.parser.ParseError:
            node = None
        objects, creates, locks = _describe(node)
        statements.append(_Statement(piece.start, piece.stop, node, {o for o in objects if o},
                                     creates, {t for t in locks if t}, silences))
    return _Source(label, text, statements, problems)


def _lines(text: str, start: int, stop: int) -> Iterable[tuple[int, str]]:
    position = start
    for line in text[start:stop].splitlines(keepends=True):
        yield position, line.rstrip("\n")
        position += len(line)


def _after_semicolon(text: str, stop: int) -> int:
    semicolon = text.find(";", stop)
    return stop if semicolon < 0 else semicolon + 1


def _statement_at(source: _Source, offset: int) -> _Statement | None:
    best = None
    for statement in source.statements:
        if statement.start <= offset:
            best = statement
        else:
            break
    return best


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- squawk ----------------------------------------------------------------------------


def squawk_binary() -> str:
    """The squawk executable of the squawk-cli wheel: beside our Python, else on PATH."""
    beside = Path(sys.executable).parent / "squawk"
    if beside.is_file():
        return str(beside)
    found = shutil.which("squawk")
    if not found:
        raise UsageError(
            "squawk not found (beside the Python running schemadiff, or on PATH).",
            detail="Install the project's dependencies (pip install -e .): squawk-cli is one.",
        )
    return found


def _squawk(text: str, label: str, rule_levels: dict[str, str],
            pg_version: str | None) -> list[dict]:
    """squawk's findings as dicts (0-based line and column), for the rules not off."""
    enabled = sorted(r for r, level in rule_levels.items() if level != "off" and r in SQUAWK_RULES)
    if not enabled:
        return []
    args = [squawk_binary(), "--reporter", "json", "--assume-in-transaction",
            "--stdin-filepath", label, "--include", ",".join(enabled)]
    # No --exclude: it would also drop rules that share a parent (require-timeout-settings
    # covers require-lock-timeout); rules that are off are filtered from the output.
    if pg_version:
        args += ["--pg-version", pg_version]
    # cwd "/": squawk reads a .squawk.toml from its working directory; our config rules.
    done = subprocess.run(args, input=text, capture_output=True, text=True, cwd="/",
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, timeout=120)
    if done.returncode not in (0, 1):
        raise UsageError(f"squawk failed (exit {done.returncode}) on {label}.",
                         detail=(done.stderr or done.stdout).strip()[-2000:])
    try:
        found = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        raise UsageError(f"squawk printed no JSON for {label}.",
                         detail=done.stdout[-2000:]) from None
    return found if isinstance(found, list) else []


def _blank_new_table_statements(source: _Source) -> str:
    """The text with statements that lock only tables created earlier in it blanked (lines kept)."""
    created: set[str] = set()
    chars = list(source.text)
    for statement in source.statements:
        if statement.locks and statement.locks <= created:
            stop = _after_semicolon(source.text, statement.end)
            for i in range(statement.start, stop):
                if chars[i] != "\n":
                    chars[i] = " "
        if statement.creates:
            created.add(statement.creates)
    return "".join(chars)


def _squawk_findings(source: _Source, rule_levels: dict[str, str],
                     pg_version: str | None) -> list[tuple[str, int, str, _Statement | None]]:
    """(rule, offset, message, statement) for squawk's findings we keep."""
    blanked = _blank_new_table_statements(source)
    runs = [(source.text, lambda rule: rule not in LOCK_RULES or blanked == source.text)]
    if blanked != source.text:
        runs.append((blanked, lambda rule: rule in LOCK_RULES))
    line_starts = [0] + [i + 1 for i, c in enumerate(source.text) if c == "\n"]
    kept = []
    for text, wanted in runs:
        for item in _squawk(text, source.label, rule_levels, pg_version):
            rule = str(item.get("rule_name") or "squawk")
            if not wanted(rule):
                continue
            line0 = int(item.get("line") or 0)
            column0 = int(item.get("column") or 0)
            offset = (line_starts[line0] if line0 < len(line_starts) else len(source.text))
            offset += column0
            message = str(item.get("message") or "").strip()
            if item.get("help"):
                message += f" {str(item['help']).strip()}"
            kept.append((rule, offset, message, _statement_at(source, offset)))
    return kept


# --- the schema rules, read from the catalog ---------------------------------------------


def _query(conn, name: str, params: dict | None = None) -> list[dict]:
    text = sql.load(name)
    with conn.cursor() as cur:
        # Without parameters psycopg2 leaves `%` alone (format('%I') needs that).
        cur.execute(text, params) if params else cur.execute(text)
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class _CatalogFinding:
    rule: str
    objects: tuple[str, ...]  # where to report it: the first one the file names
    message: str


def _catalog_findings(conn, exposed: Sequence[str]) -> list[_CatalogFinding]:
    found: list[_CatalogFinding] = []
    for row in _query(conn, "lint_redundant_indexes.sql"):
        schema, table = row["schema"], row["table_name"]
        other = (f"constraint {row['covering_constraint']}" if row["covering_constraint"]
                 else f"index {row['covering_index']}")
        found.append(_CatalogFinding(
            "redundant-index",
            (f"index:{schema}.{row['index_name']}", f"index:{schema}.{row['covering_index']}",
             f"constraint:{schema}.{table}.{row['covering_constraint']}",
             f"table:{schema}.{table}"),
            f"index {schema}.{row['index_name']} is redundant: its columns lead {other} on "
            f"{schema}.{table}, which serves the same lookups. Drop it (it only slows writes).",
        ))
    for row in _query(conn, "lint_foreign_keys.sql"):
        schema, table, name = row["schema"], row["table_name"], row["constraint_name"]
        columns = ", ".join(row["columns"])
        found.append(_CatalogFinding(
            "fk-without-index",
            (f"constraint:{schema}.{table}.{name}", f"table:{schema}.{table}"),
            f"foreign key {name} on {schema}.{table} ({columns}) -> {row['referenced']}: no "
            f"index leads with ({columns}), so each delete or key update in {row['referenced']}"
            f" scans {schema}.{table}. Add: CREATE INDEX ON {schema}.{table} ({columns});",
        ))
    for row in _query(conn, "lint_row_security.sql", {"schemas": list(exposed)}):
        table = f"{row['schema']}.{row['table_name']}"
        if not row["rls_enabled"]:
            found.append(_CatalogFinding(
                "rls-disabled", (f"table:{table}",),
                f"table {table} is exposed through the API without row-level security: the "
                f"anon and authenticated roles can read and write every row. Add: ALTER "
                f"TABLE {table} ENABLE ROW LEVEL SECURITY; (and policies).",
            ))
        elif not row["has_policy"]:
            found.append(_CatalogFinding(
                "rls-no-policy", (f"table:{table}",),
                f"table {table} has row-level security and no policy: only service_role "
                f"(BYPASSRLS) can reach it. Fine for an admin-only table.",
            ))
    return found


def _locate(statements: Sequence[_Statement], keys: Sequence[str]) -> _Statement | None:
    """For the first key the file names: the statement creating it, else the first naming it."""
    for key in keys:
        naming = [s for s in statements if key in s.objects]
        if not naming:
            continue
        if key.startswith("table:"):
            creating = [s for s in naming if s.creates == key]
        elif key.startswith("index:"):
            creating = [s for s in naming if isinstance(s.node, ast.IndexStmt)]
        else:
            creating = []
        return (creating or naming)[0]
    return None


# --- the entry point -----------------------------------------------------------------------


def lint(sql_text: str, label: str, config_rules: dict[str, str], catalog_conn=None, *,
         extra_sources: Sequence[tuple[str, str]] = (), pg_version: str | None = None,
         exposed_schemas: Sequence[str] = EXPOSED_SCHEMAS) -> list[Finding]:
    """Findings for one SQL file: squawk's, plus the schema rules when `catalog_conn` is given.

    `catalog_conn` is a psycopg2 connection to a database in the state after this SQL
    (e.g. `diff`'s "desired" database). `extra_sources` are (label, text) pairs, such as
    schema.sql, whose silences also apply to the objects they name.
    """
    rule_levels = levels(config_rules)
    source = _analyse(sql_text, label)
    others = [_analyse(text, other, silenced_only=True) for other, text in extra_sources]
    findings: list[Finding] = []

    def silenced(rule: str, statement: _Statement | None, keys: Iterable[str]) -> bool:
        if statement is not None and rule in statement.silences:
            return True
        keys = set(keys)
        return any(rule in s.silences and s.objects & keys
                   for src in (source, *others) for s in src.statements)

    def add(rule: str, offset: int, message: str, statement: _Statement | None,
            keys: Iterable[str]) -> None:
        level = rule_levels.get(rule, "warn")
        if level == "off" or silenced(rule, statement, keys):
            return
        line, column = _position(sql_text, offset)
        findings.append(Finding(rule, level, label, line, column, message, silence_hint(rule)))

    for rule, offset, message, statement in _squawk_findings(source, rule_levels, pg_version):
        add(rule, offset, message, statement, statement.objects if statement else ())
    if catalog_conn is not None:
        reported: set[tuple[str, str]] = set()
        for item in _catalog_findings(catalog_conn, exposed_schemas):
            if (item.rule, item.objects[0]) in reported:
                continue  # e.g. an index made redundant by two others: once is enough
            reported.add((item.rule, item.objects[0]))
            statement = _locate(source.statements, item.objects)
            if statement is None:
                continue  # about an object this file does not touch
            add(item.rule, statement.start, item.message, statement, item.objects[:1])
    if rule_levels.get("lint-silence", "warn") != "off":
        for src in (source, *others):
            findings.extend(
                Finding(p.rule, rule_levels["lint-silence"], p.file, p.line, p.column,
                        p.message, p.silence)
                for p in src.problems
            )
    order = {level: i for i, level in enumerate(("error", "warn", "info"))}
    findings.sort(key=lambda f: (f.file != label, f.file, f.line, order.get(f.level, 3), f.rule))
    return findings
