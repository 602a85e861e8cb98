"""Whether triggers and rules fire (ALTER TABLE ... ENABLE/DISABLE): migra compares neither."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot, quote_ident
from .fates import Fates, each, possible

_ALTER = {"O": "ENABLE", "D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def enabled(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    """ALTER TABLE ... ENABLE/DISABLE TRIGGER/RULE where the firing state differs."""
    statements = []
    for ref, state in each(after.enabled, fate):
        want = after.enabled[ref]
        # A trigger or rule is created enabled ("O").
        if all(have == want for have in possible(state, before.enabled.get(ref), "O")):
            continue
        table = f"{quote_ident(ref.schema)}.{quote_ident(ref.name)}"
        what = "TRIGGER" if ref.kind == "trigger" else "RULE"
        statements.append(f"ALTER TABLE {table} {_ALTER[want]} {what} {quote_ident(ref.member)};")
    return statements
