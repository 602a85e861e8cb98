"""squawk (squawk-cli): lock and rewrite hazards, run on the file as if in one transaction
(as the Supabase CLI runs it, unless the file holds BEGIN/COMMIT)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pglast
from pglast.parser import ParseError

from ... import guard
from ...errors import UsageError
from .rules import LOCK_RULES, SQUAWK_RULES
from .statements import Source, Statement, after_semicolon, statement_at


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
    args = [squawk_binary(), "--reporter", "json", "--stdin-filepath", label,
            "--include", ",".join(enabled)]
    # The Supabase CLI runs a file in one transaction, unless the file opens its own.
    if not _controls_transactions(text):
        args.append("--assume-in-transaction")
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


def _blank_new_table_statements(source: Source) -> str:
    """The text with statements that lock only tables created earlier in it blanked (lines kept)."""
    created: set[str] = set()
    chars = list(source.text)
    for statement in source.statements:
        if statement.locks and statement.locks <= created:
            stop = after_semicolon(source.text, statement.end)
            for i in range(statement.start, stop):
                if chars[i] != "\n":
                    chars[i] = " "
        if statement.creates:
            created.add(statement.creates)
    return "".join(chars)


_CONCURRENT_IN_TRANSACTION = "ban-concurrent-index-creation-in-transaction"


def _controls_transactions(text: str) -> bool:
    """Whether the file holds BEGIN/COMMIT (then the CLI runs it statement by statement,
    and a CONCURRENTLY inside BEGIN ... COMMIT fails)."""
    try:
        return any(guard.controls_transaction(raw.stmt) for raw in pglast.parse_sql(text))
    except ParseError:
        return True  # unparsable: keep squawk's verdict


def squawk_findings(source: Source, rule_levels: dict[str, str],
                     pg_version: str | None) -> list[tuple[str, int, str, Statement | None]]:
    """(rule, offset, message, statement) for squawk's findings we keep."""
    blanked = _blank_new_table_statements(source)
    runs = [(source.text, lambda rule: rule not in LOCK_RULES or blanked == source.text)]
    if blanked != source.text:
        runs.append((blanked, lambda rule: rule in LOCK_RULES))
    # The Supabase CLI runs CREATE/DROP INDEX CONCURRENTLY on its own, outside the file's
    # transaction (measured, apply.py): it fails only inside a BEGIN ... COMMIT of the file.
    outside = not _controls_transactions(source.text)
    line_starts = [0] + [i + 1 for i, c in enumerate(source.text) if c == "\n"]
    kept = []
    for text, wanted in runs:
        for item in _squawk(text, source.label, rule_levels, pg_version):
            rule = str(item.get("rule_name") or "squawk")
            if not wanted(rule) or (rule == _CONCURRENT_IN_TRANSACTION and outside):
                continue
            line0 = int(item.get("line") or 0)
            column0 = int(item.get("column") or 0)
            offset = (line_starts[line0] if line0 < len(line_starts) else len(source.text))
            offset += column0
            message = str(item.get("message") or "").strip()
            if item.get("help"):
                message += f" {str(item['help']).strip()}"
            kept.append((rule, offset, message, statement_at(source, offset)))
    return kept
