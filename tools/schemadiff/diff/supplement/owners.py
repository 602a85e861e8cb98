"""Owners: migra never compares them; a new object belongs to whoever runs the migration."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot, quote_ident
from .fates import Fates, possible

# Tables before their sequences: ALTER TABLE ... OWNER TO moves owned sequences along,
# and a sequence linked to a table can't change owner by itself.
_OWNER_ORDER = ("schema", "collation", "enum", "type", "range type", "domain", "table",
                "foreign table", "sequence", "view", "materialized view", "function",
                "procedure", "aggregate", "operator", "statistics", "text search dictionary",
                "text search configuration")


def owners(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # migra never compares owners; a new object belongs to whoever runs the migration.
    statements = []
    refs = sorted(after.owners, key=lambda r: (_OWNER_ORDER.index(r.kind), r))
    for ref in refs:
        state = fate(ref)
        if state is None:
            continue
        want = after.owners[ref]
        if any(have != want for have in possible(state, before.owners.get(ref), before.creator)):
            statements.append(f"ALTER {ref.sql()} OWNER TO {quote_ident(want)};")
    return statements
