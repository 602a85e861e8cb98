"""Comments: migra never emits COMMENT ON, and a re-created object loses its comment."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot, quote_literal
from .fates import Fates, each, possible


def comments(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    statements = []
    refs = after.comments.keys() | (before.comments.keys() & after.shapes.keys())
    for ref, state in each(refs, fate):
        want = after.comments.get(ref)
        if all(have == want for have in possible(state, before.comments.get(ref), None)):
            continue
        text = quote_literal(want) if want is not None else "NULL"
        statements.append(f"COMMENT ON {ref.sql()} IS {text};")
    return statements
