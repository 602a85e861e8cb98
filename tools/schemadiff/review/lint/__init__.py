"""schemadiff lint: lock and rewrite hazards (squawk) plus the schema rules squawk lacks.

Rules (default level in brackets; set any of them in pyproject.toml):

    [tool.schemadiff.lint]
    redundant-index = "error"        # off | info | warn | error
    require-lock-timeout = "off"

- `redundant-index` [warn]: an index whose key columns lead another index or key on
  the same table; the other serves every lookup it serves, so it only slows writes.
- `fk-without-index` [warn]: a foreign key whose referencing columns no index leads
  with; each delete or key update of a referenced row scans the referencing table.
- `rls-disabled` [warn]: a table in an exposed schema (`exposed_schemas`) without row-level
  security: Supabase's API roles get ALL on it, so anyone with the anon key reads it.
- `rls-no-policy` [info]: RLS on and no policy: only service_role (BYPASSRLS) reaches
  the table. A valid choice for admin-only tables, hence information.
- `view-without-security-invoker` [warn]: a view in an exposed schema that reads its
  tables with its owner's rights, so their row-level security does not apply to callers.
- `security-definer-search-path` [warn]: a SECURITY DEFINER function without `SET
  search_path`: it runs as its owner but resolves names through the caller's path.
- `auth-call-per-row` [warn]: a policy calling `auth.uid()` (or jwt/role/email) bare,
  once per row, where `(select auth.uid())` is evaluated once per query.
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

from collections.abc import Iterable, Sequence

from .catalog import catalog_findings, locate
from .rules import (
    EXPOSED_SCHEMAS,
    Finding,
    LintError,
    check_config,
    levels,
    render,
    require_no_errors,
    silence_hint,
)
from .squawk import squawk_findings
from .statements import Statement, analyse, position

__all__ = ["Finding", "LintError", "check_config", "lint", "render", "require_no_errors"]


def lint(sql_text: str, label: str, config_rules: dict[str, str], catalog_conn=None, *,
         extra_sources: Sequence[tuple[str, str]] = (), pg_version: str | None = None,
         exposed_schemas: Sequence[str] = EXPOSED_SCHEMAS) -> list[Finding]:
    """Findings for one SQL file: squawk's, plus the schema rules when `catalog_conn` is given.

    `catalog_conn` is a psycopg2 connection to a database in the state after this SQL
    (e.g. `diff`'s "desired" database). `extra_sources` are (label, text) pairs, such as
    schema.sql, whose silences also apply to the objects they name.
    """
    rule_levels = levels(config_rules)
    source = analyse(sql_text, label)
    others = [analyse(text, other, silenced_only=True) for other, text in extra_sources]
    findings: list[Finding] = []

    def silenced(rule: str, statement: Statement | None, keys: Iterable[str]) -> bool:
        if statement is not None and rule in statement.silences:
            return True
        keys = set(keys)
        return any(rule in s.silences and s.objects & keys
                   for src in (source, *others) for s in src.statements)

    def add(rule: str, offset: int, message: str, statement: Statement | None,
            keys: Iterable[str]) -> None:
        level = rule_levels.get(rule, "warn")
        if level == "off" or silenced(rule, statement, keys):
            return
        line, column = position(sql_text, offset)
        findings.append(Finding(rule, level, label, line, column, message, silence_hint(rule)))

    for rule, offset, message, statement in squawk_findings(source, rule_levels, pg_version):
        add(rule, offset, message, statement, statement.objects if statement else ())
    if catalog_conn is not None:
        reported: set[tuple[str, str]] = set()
        for item in catalog_findings(catalog_conn, exposed_schemas):
            if (item.rule, item.objects[0]) in reported:
                continue  # e.g. an index made redundant by two others: once is enough
            reported.add((item.rule, item.objects[0]))
            statement = locate(source.statements, item.objects)
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
