"""The access review of a migration: what it widens, what it narrows, and what is acknowledged.

Two access models (review/access.py), before and after, compared entry by entry. A role
gaining a command on an object, or a row limit lifted (none -> policy -> all, a column
grant grown to more columns, a permissive policy added or changed, a restrictive one
dropped) is a widening: refused unless acknowledged. Narrowing is listed and passes. A
policy whose expression changed is "changed", refused like a widening: whether the new
expression allows more rows is not something the catalog can tell.

One exception, listed but not refused: a role gaining EXECUTE on a function that runs
with the caller's rights (not SECURITY DEFINER). It reaches nothing the caller could not
reach directly, which the model reviews on its own; and every new function is
executable by PUBLIC, so refusing each one would bury the widenings that matter.

Acknowledge a deliberate widening in schema.sql, on a line of its own:

    -- schemadiff-access: allow public.leaderboard for select to anon -- public scores

`for COMMAND[, ...]` and `to ROLE[, ...]` narrow it (default: every command and role);
a function may be named without its arguments (every overload). The reason after the
second `--` is required.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import EXIT_DESTRUCTIVE, SchemadiffError
from ..sources import SqlFile
from .access import EXECUTE, NONE, AccessModel, Entry, Policy, Reach

ACK_PREFIX = "schemadiff-access:"
_ACK = re.compile(r"^\s*--\s*" + re.escape(ACK_PREFIX) + r"\s*(?P<body>.*?)\s*"
                  r"(?:\s--\s*(?P<reason>.*?))?\s*$")
_ACK_BODY = re.compile(
    r"^allow\s+(?P<object>[^\s(]+(?:\([^)]*\))?)"
    r"(?:\s+for\s+(?P<commands>[a-z]+(?:\s*,\s*[a-z]+)*))?"
    r"(?:\s+to\s+(?P<roles>[\w$]+(?:\s*,\s*[\w$]+)*))?$",
    re.IGNORECASE,
)
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "EXECUTE")


class AccessWideningError(SchemadiffError):
    """The migration gives an API role more access and nobody acknowledged it."""

    exit_code = EXIT_DESTRUCTIVE  # 3: a change refused until the user says it is meant

    def __init__(self, message: str, changes: list[str], *, detail: str | None = None):
        super().__init__(message, detail=detail)
        self.changes = changes


@dataclass(frozen=True)
class Acknowledgement:
    """`-- schemadiff-access: allow OBJECT [for COMMANDS] [to ROLES] -- REASON` in schema.sql."""

    line: int
    object: str
    commands: frozenset[str]  # empty: every command
    roles: frozenset[str]  # empty: every role
    reason: str

    def covers(self, change: Change) -> bool:
        same = change.object == self.object or (
            "(" not in self.object and change.object.startswith(self.object + "("))
        return (same and (not self.commands or change.command in self.commands)
                and (not self.roles or change.role in self.roles))


@dataclass(frozen=True)
class Change:
    """One (object, role, command) whose reach differs between before and after."""

    object: str
    kind: str
    role: str
    command: str
    before: Reach
    after: Reach
    direction: str  # "wider" | "narrower" | "changed" (policies differ both ways)
    acknowledged: str | None = None  # the reason, when schema.sql acknowledges it

    @property
    def refusable(self) -> bool:
        """Whether it needs an acknowledgement: wider, or changed in a way that may be."""
        if self.direction == "narrower":
            return False
        return not (self.command == EXECUTE and self.after.runs_as == "caller")

    def render(self) -> str:
        text = (f"{self.direction}: {self.role} {self.command} on {self.object}: "
                f"{_describe(self.before, self.object)} -> {_describe(self.after, self.object)}")
        if self.acknowledged:
            text += f" (acknowledged: {self.acknowledged})"
        elif self.direction != "narrower" and not self.refusable:
            text += " (runs with the caller's rights: not refused)"
        return text


def _describe(reach: Reach, on: str) -> str:
    """A reach in a line: its level, and the policies or the reason behind it."""
    if reach.level == NONE:
        return "none"
    if reach.runs_as and reach.runs_as.startswith("owner") and reach.level == "all":
        return f"all, as {reach.runs_as}"
    text = reach.level
    if reach.columns:
        text += f" on columns {', '.join(reach.columns)}"
    if reach.policies:
        text += " [" + "; ".join(p.render(on) for p in reach.policies) + "]"
    else:
        text += f" ({reach.why})"
    return text


def _policy_keys(policies: Sequence[Policy], permissive: bool) -> set[tuple]:
    # A renamed policy reaches the same rows: compare what it says, not what it is called.
    return {(p.table, p.expression, p.check) for p in policies if p.permissive == permissive}


def _columns_wider(before: Reach, after: Reach) -> tuple[bool, bool]:
    """(wider, narrower) between two column limits; no limit means every column."""
    if before.columns == after.columns:
        return False, False
    if not after.columns:
        return True, False
    if not before.columns:
        return False, True
    b, a = set(before.columns), set(after.columns)
    return bool(a - b), bool(b - a)


def direction(before: Reach, after: Reach) -> str | None:
    """'wider', 'narrower', 'changed' or None (the same reach) from `before` to `after`."""
    if after.rank != before.rank:
        return "wider" if after.rank > before.rank else "narrower"
    if after.level == NONE:
        return None
    wider, narrower = _columns_wider(before, after)
    owner_before = bool(before.runs_as and before.runs_as.startswith("owner"))
    owner_after = bool(after.runs_as and after.runs_as.startswith("owner"))
    if owner_after != owner_before:
        # A function or view now running as its owner: the owner's rights, not the caller's.
        wider, narrower = wider or owner_after, narrower or owner_before
    if after.level == "policy":
        added = _policy_keys(after.policies, True) - _policy_keys(before.policies, True)
        removed = _policy_keys(before.policies, True) - _policy_keys(after.policies, True)
        lifted = _policy_keys(before.policies, False) - _policy_keys(after.policies, False)
        tightened = _policy_keys(after.policies, False) - _policy_keys(before.policies, False)
        wider = wider or bool(added or lifted)
        narrower = narrower or bool(removed or tightened)
    if wider and narrower:
        return "changed"
    return "wider" if wider else "narrower" if narrower else None


def compare(before: AccessModel, after: AccessModel) -> list[Change]:
    """Every entry whose reach differs, wider ones first, then by object, role, command."""
    old, new = before.by_key(), after.by_key()
    changes = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        was_reach = was.reach if was else Reach(NONE, "no such object")
        now_reach = now.reach if now else Reach(NONE, "no such object")
        moved = direction(was_reach, now_reach)
        if moved is None:
            continue
        entry: Entry = now or was  # type: ignore[assignment]
        changes.append(Change(entry.object, entry.kind, entry.role, entry.command,
                              was_reach, now_reach, moved))
    order = {"wider": 0, "changed": 1, "narrower": 2}
    return sorted(changes, key=lambda c: order[c.direction])


@dataclass
class Acknowledgements:
    items: list[Acknowledgement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "schema.sql:12: ..." lines


def acknowledgements(schema: SqlFile) -> Acknowledgements:
    """The access acknowledgements in schema.sql, and the ones that acknowledge nothing."""
    found = Acknowledgements()
    for number, line in enumerate(schema.text.splitlines(), 1):
        match = _ACK.match(line)
        if not match:
            continue
        where = f"{schema.label}:{number}"
        body = _ACK_BODY.match(match["body"])
        if not body:
            found.problems.append(
                f"{where}: not understood, so it acknowledges nothing; write it as "
                f"-- {ACK_PREFIX} allow SCHEMA.OBJECT [for COMMAND, ...] [to ROLE, ...] "
                "-- REASON")
            continue
        if not match["reason"]:
            found.problems.append(f"{where}: gives no reason, so it acknowledges nothing; "
                                  "add one after a second `--`")
            continue
        commands = frozenset(c.strip().upper() for c in (body["commands"] or "").split(",")
                             if c.strip())
        unknown = sorted(commands - set(COMMANDS))
        if unknown:
            found.problems.append(f"{where}: no command {', '.join(unknown)} (known: "
                                  f"{', '.join(COMMANDS)}), so it acknowledges nothing")
            continue
        roles = frozenset(r.strip() for r in (body["roles"] or "").split(",") if r.strip())
        found.items.append(Acknowledgement(number, body["object"], commands, roles,
                                           match["reason"]))
    return found


def review(before: AccessModel, after: AccessModel, schema: SqlFile, *,
           allow_wider: bool = False) -> tuple[list[Change], list[str]]:
    """(changes, warnings) of a migration from `before` to `after`.

    Raises AccessWideningError when a change that needs an acknowledgement has none and
    `allow_wider` is not set.
    """
    acks = acknowledgements(schema)
    reviewed = []
    for change in compare(before, after):
        if change.refusable:
            ack = next((a for a in acks.items if a.covers(change)), None)
            # The header then records who let it through: schema.sql's reason, or the flag.
            reason = ack.reason if ack else "--allow-wider-access" if allow_wider else None
            change = replace(change, acknowledged=reason)
        reviewed.append(change)
    refused = [c for c in reviewed if c.refusable and c.acknowledged is None]
    if refused:
        lines = [c.render() for c in refused]
        problems = "".join(f"\n  {p}" for p in acks.problems)
        raise AccessWideningError(
            f"Refusing {len(refused)} access widening(s) for the API roles; nothing was "
            "written.",
            lines,
            detail="\n".join(f"  {line}" for line in lines)
            + (f"\nAcknowledgements that do not count:{problems}" if problems else "")
            + "\nNarrow it in schema.sql; or, if it is meant, acknowledge it there on a "
              f"line of its own:\n  -- {ACK_PREFIX} allow {refused[0].object} for "
              f"{refused[0].command.lower()} to {refused[0].role} -- <why it is fine>\n"
              "or pass --allow-wider-access. See `schemadiff access --changes`.",
        )
    return reviewed, acks.problems
