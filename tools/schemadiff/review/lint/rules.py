"""The rules, their default levels, and what a finding is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ...errors import EXIT_DRIFT, SchemadiffError, UsageError

LEVELS = ("off", "info", "warn", "error")


# The schemas the Data API serves (config `exposed_schemas`; a new project's default).
EXPOSED_SCHEMAS = ("public", "graphql_public")


SILENCE_PREFIX = "schemadiff-lint:"


OWN_RULES = {
    "redundant-index": "warn",
    "fk-without-index": "warn",
    "rls-disabled": "warn",
    "rls-no-policy": "info",
    "view-without-security-invoker": "warn",
    "security-definer-search-path": "warn",
    "auth-call-per-row": "warn",
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


def check_config(rules: Mapping[str, object], where: Path | str) -> None:
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
