"""What migra does to each object: keeps it, creates it, or may re-create it.

migra may drop and re-create an object it changes, which resets its comment and grants;
from snapshots taken before migra ran that is only sometimes knowable, so for such objects
every supplement statement is written to be right either way (idempotent COMMENT ON,
GRANT, REVOKE), rather than guessed.
"""

from __future__ import annotations

import re

from ...inspect.catalog_model import (
    MEMBER_KINDS,
    RELATION_KINDS,
    ROUTINE_KINDS,
    Ref,
    Snapshot,
    display_ident,
)

KEPT, NEW, EITHER = "kept", "new", "either"


# What exists once migra's statements and the supplement's own CREATEs (which run before
# its comments, owners and grants) have run, when new; for anything else (composite
# types) nothing can be said about an object that doesn't exist yet.
_CREATED = {
    # by migra
    "schema", "table", "view", "materialized view", "sequence", "column", "constraint",
    "index", "function", "procedure", "trigger", "policy", "enum",
    # by the supplement (migra never sees these kinds)
    "collation", "domain", "domain constraint", "range type", "aggregate", "statistics",
    "rule", "cast", "operator", "text search configuration", "text search dictionary",
}


class Fates:
    """What migra does to each object of `after`: keeps it, creates it, or maybe re-creates it.

    None: the object will not exist after migra ran (a kind nothing creates).
    """

    def __init__(self, before: Snapshot, after: Snapshot) -> None:
        self.before, self.after = before, after
        self._memo: dict[Ref, str | None] = {}
        self._through_type: dict[Ref, bool] = {}
        self._relations = {(r.schema, r.name): r for r in after.shapes
                           if r.kind in RELATION_KINDS or r.kind == "domain"}
        # migra re-creates the views on a table it modifies (any column, RLS on/off).
        self._modified: set[tuple[str, str]] = set()
        for ref in before.shapes.keys() | after.shapes.keys():
            if ref.kind == "column" and before.shapes.get(ref) != after.shapes.get(ref):
                self._modified.add((ref.schema, ref.name))
        for table in before.rls_forced.keys() | after.rls_forced.keys():
            ident = f"rls {table}"
            if before.objects.get(ident) != after.objects.get(ident):
                self._modified.add((table.schema, table.name))
        # An enum that changes may be re-created (repair/enums.py), and with it every
        # routine whose arguments or result use it: dropped first, created afresh.
        changed = [ref for ref in after.shapes
                   if ref.kind == "enum" and ref in before.shapes
                   and before.shapes[ref] != after.shapes[ref]]
        self._recreated_types = (
            re.compile("|".join(
                rf"(?<![\w$.\"]){re.escape(display_ident(r.schema))}\."
                rf"{re.escape(display_ident(r.name))}(?![\w$\"])" for r in changed))
            if changed else None)
        # Its columns are re-cast: the views reading their tables are re-created too.
        if self._recreated_types is not None:
            for ref, shape in after.shapes.items():
                if ref.kind == "column" and self._recreated_types.search(shape.split(" ")[0]):
                    self._modified.add((ref.schema, ref.name))

    def _container(self, ref: Ref) -> Ref | None:
        if ref in self.after.index_tables:
            table = self.after.index_tables[ref]
            return self._relations.get((table.schema, table.name))
        if ref.kind in MEMBER_KINDS:
            return self._relations.get((ref.schema, ref.name))
        return None

    def __call__(self, ref: Ref) -> str | None:
        if ref not in self._memo:
            self._memo[ref] = None  # a cycle of views can't happen; this guards anyway
            self._memo[ref] = self._decide(ref)
        return self._memo[ref]

    def _uses_recreated_type(self, ref: Ref) -> bool:
        """True for a routine whose signature names an enum that may be re-created, and for
        a view or routine calling one: repair/enums.py drops and re-creates them all."""
        if self._recreated_types is None:
            return False
        if ref not in self._through_type:
            self._through_type[ref] = False  # guards a cycle of calls
            self._through_type[ref] = self._signature_names_recreated(ref) or any(
                self._uses_recreated_type(called) for called in self.after.calls.get(ref, ()))
        return self._through_type[ref]

    def _signature_names_recreated(self, ref: Ref) -> bool:
        if ref.kind not in ROUTINE_KINDS or self._recreated_types is None:
            return False
        definition = self.after.function_defs.get(ref, "")
        returns = [line for line in definition.splitlines()
                   if line.lstrip().upper().startswith("RETURNS ")]
        return any(self._recreated_types.search(text) for text in (ref.member, *returns))

    def _decide(self, ref: Ref) -> str | None:
        if ref not in self.after.shapes:
            return None
        container = self._container(ref)
        container_fate = self(container) if container is not None else KEPT
        if container_fate is None:
            return None
        if ref not in self.before.shapes:
            return NEW if ref.kind in _CREATED else None
        if (self.before.shapes[ref] != self.after.shapes[ref] or container_fate != KEPT
                or self._uses_recreated_type(ref)):
            return EITHER
        for read in self.after.reads.get(ref, ()):
            source = self._relations.get((read.schema, read.name))
            if source is None or (read.schema, read.name) in self._modified or self(source) != KEPT:
                return EITHER
        return KEPT


def possible(fate: str, kept, fresh) -> list:
    """The states an object can be in after migra ran: as before, as newly created, or either."""
    return {KEPT: [kept], NEW: [fresh], EITHER: [kept, fresh]}[fate]


def each(refs, fate: Fates):
    for ref in sorted(refs):
        state = fate(ref)
        if state is not None:
            yield ref, state
