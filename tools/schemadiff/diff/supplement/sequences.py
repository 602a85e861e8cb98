"""Sequence and identity options: migra creates both bare and never alters them."""

from __future__ import annotations

from ...inspect.catalog_model import (
    NEW_SEQUENCE,
    Snapshot,
    new_identity,
    quote_ident,
    quote_literal,
)
from .fates import NEW, Fates, each, possible


def sequence_options(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # migra creates a sequence as `create sequence x;` and never alters its options.
    statements = []
    for ref, state in each(after.sequences, fate):
        want = after.sequences[ref]
        if all(have == want for have in possible(state, before.sequences.get(ref), NEW_SEQUENCE)):
            continue
        # All options at once: AS integer with the old bigint MAXVALUE would be refused.
        sql = (f"ALTER SEQUENCE {ref.qualified()} AS {want.type} INCREMENT BY {want.increment} "
               f"MINVALUE {want.minvalue} MAXVALUE {want.maxvalue} START WITH {want.start} "
               f"CACHE {want.cache} {'CYCLE' if want.cycle else 'NO CYCLE'}")
        had = before.sequences.get(ref)
        if state == NEW:
            # Never used yet: start it where it should start (and inside the new bounds).
            sql += " RESTART"
        elif had is not None and (want.minvalue > had.minvalue or want.maxvalue < had.maxvalue):
            # ALTER refuses bounds that exclude the counter; move a counter that is outside
            # them to the nearest bound, and leave one inside them where it is.
            name = quote_literal(ref.qualified())
            statements.append(
                f"SELECT setval({name}, least(greatest(last_value, {want.minvalue}), "
                f"{want.maxvalue}), is_called) FROM {ref.qualified()};")
        statements.append(sql + ";")
    return statements


def identity_options(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # migra writes `generated ... as identity` without options and never alters them.
    statements = []
    for ref, state in each(after.identities, fate):
        want = after.identities[ref]
        fresh = new_identity(want.type)
        if all(have == want for have in possible(state, before.identities.get(ref), fresh)):
            continue
        cycle = "SET CYCLE" if want.cycle else "SET NO CYCLE"
        sql = (f"ALTER TABLE {quote_ident(ref.schema)}.{quote_ident(ref.name)} "
               f"ALTER COLUMN {quote_ident(ref.member)} SET INCREMENT BY {want.increment} "
               f"SET MINVALUE {want.minvalue} SET MAXVALUE {want.maxvalue} "
               f"SET START WITH {want.start} SET CACHE {want.cache} {cycle}")
        if state == NEW:
            sql += " RESTART"
        statements.append(sql + ";")
    return statements
