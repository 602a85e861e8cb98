"""Rules (CREATE RULE): not in migra's model."""

from __future__ import annotations

from ...inspect.catalog_model import Ref, Snapshot, quote_ident
from .fates import KEPT, Fates, each


def _table(ref: Ref) -> str:
    return f"{quote_ident(ref.schema)}.{quote_ident(ref.name)}"


def rules(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    """CREATE OR REPLACE RULE for new and changed rules, and those on re-created tables."""
    statements = []
    for ref, state in each(after.rules, fate):
        want, had = after.rules[ref], before.rules.get(ref)
        # A relation migra re-creates loses its rules; OR REPLACE is right either way.
        if had != want or state != KEPT:
            definition = want.strip().rstrip(";")
            statements.append(definition.replace("CREATE RULE", "CREATE OR REPLACE RULE", 1)
                              + ";")
    return statements


def dropped_rules(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP RULE for rules no longer declared."""
    # IF EXISTS: dropping the table drops its rules.
    return [f"DROP RULE IF EXISTS {quote_ident(ref.member)} ON {_table(ref)};"
            for ref in sorted(before.rules.keys() - after.rules.keys())]
