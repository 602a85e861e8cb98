"""Statements migra does not emit, so that a migration converges under the catalog judge too.

Comments, sequence options, FORCE ROW LEVEL SECURITY, relation options (view
security_invoker), function settings (SET search_path), publication membership, grants
migra cannot see (schemas, columns, functions, sequences, views, types; table grants that
default privileges add to a new table) and ALTER DEFAULT PRIVILEGES.

The statements run after migra's. migra may drop and re-create an object it changes,
which resets its comment and grants; from snapshots taken before migra ran that is only
sometimes knowable, so for such objects every statement is written to be right either
way (idempotent COMMENT ON, GRANT, REVOKE), rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .acl_sql import acl_changes, default_privilege_statements, new_object_acl, render
from .catalog_model import (
    MEMBER_KINDS,
    NEW_SEQUENCE,
    RELATION_KINDS,
    Grant,
    Ref,
    Snapshot,
    new_identity,
    quote_ident,
    quote_literal,
)

__all__ = ["Supplement", "supplement"]

KEPT, NEW, EITHER = "kept", "new", "either"

# What migra creates when it is new; for anything else (domains, composite and range
# types) nothing can be said about an object that doesn't exist yet.
_MIGRA_CREATES = {
    "schema", "table", "view", "materialized view", "sequence", "column", "constraint",
    "index", "function", "procedure", "aggregate", "trigger", "policy", "enum",
}
_ALTER_KEYWORD = {"table": "TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW"}


@dataclass
class Supplement:
    """`up` turns current into desired after migra's DDL; `down` undoes it after the rollback's."""

    up: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)


def supplement(current: Snapshot, desired: Snapshot) -> Supplement:
    """The statements migra misses, both ways, in a deterministic order."""
    return Supplement(up=converge(current, desired), down=converge(desired, current))


def converge(before: Snapshot, after: Snapshot) -> list[str]:
    """Statements that, run after migra's, take `before` to `after` for what migra misses."""
    fate = _Fates(before, after)
    return [
        *_owners(before, after, fate),
        *_function_settings(before, after, fate),
        *_sequence_options(before, after, fate),
        *_identity_options(before, after, fate),
        *_forced_rls(before, after, fate),
        *_relation_options(before, after, fate),
        *_publications(before, after, fate),
        *_object_grants(before, after, fate),
        *default_privilege_statements(before, after),
        *_comments(before, after, fate),
    ]


class _Fates:
    """What migra does to each object of `after`: keeps it, creates it, or maybe re-creates it.

    None: the object will not exist after migra ran (a kind migra cannot create).
    """

    def __init__(self, before: Snapshot, after: Snapshot) -> None:
        self.before, self.after = before, after
        self._memo: dict[Ref, str | None] = {}
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

    def _decide(self, ref: Ref) -> str | None:
        if ref not in self.after.shapes:
            return None
        container = self._container(ref)
        container_fate = self(container) if container is not None else KEPT
        if container_fate is None:
            return None
        if ref not in self.before.shapes:
            return NEW if ref.kind in _MIGRA_CREATES else None
        if self.before.shapes[ref] != self.after.shapes[ref] or container_fate != KEPT:
            return EITHER
        for read in self.after.reads.get(ref, ()):
            source = self._relations.get((read.schema, read.name))
            if source is None or (read.schema, read.name) in self._modified or self(source) != KEPT:
                return EITHER
        return KEPT


def _possible(fate: str, kept, fresh) -> list:
    """The states an object can be in after migra ran: as before, as newly created, or either."""
    return {KEPT: [kept], NEW: [fresh], EITHER: [kept, fresh]}[fate]


def _each(refs, fate: _Fates):
    for ref in sorted(refs):
        state = fate(ref)
        if state is not None:
            yield ref, state


# Tables before their sequences: ALTER TABLE ... OWNER TO moves owned sequences along,
# and a sequence linked to a table can't change owner by itself.
_OWNER_ORDER = ("schema", "enum", "type", "domain", "table", "foreign table", "sequence",
                "view", "materialized view", "function", "procedure", "aggregate")


def _owners(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # migra never compares owners; a new object belongs to whoever runs the migration.
    statements = []
    refs = sorted(after.owners, key=lambda r: (_OWNER_ORDER.index(r.kind), r))
    for ref in refs:
        state = fate(ref)
        if state is None:
            continue
        want = after.owners[ref]
        if any(have != want for have in _possible(state, before.owners.get(ref), before.creator)):
            statements.append(f"ALTER {ref.sql()} OWNER TO {quote_ident(want)};")
    return statements


def _function_settings(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # migra compares a function's body, language, volatility, strictness and security,
    # not its SET clauses, cost or parallel safety; pg_get_functiondef carries all of them.
    return [
        after.function_defs[ref] + ";"
        for ref, state in _each(after.function_defs, fate)
        if state == KEPT and before.function_defs.get(ref) != after.function_defs[ref]
    ]


def _sequence_options(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # migra creates a sequence as `create sequence x;` and never alters its options.
    statements = []
    for ref, state in _each(after.sequences, fate):
        want = after.sequences[ref]
        if all(have == want for have in _possible(state, before.sequences.get(ref), NEW_SEQUENCE)):
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


def _identity_options(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # migra writes `generated ... as identity` without options and never alters them.
    statements = []
    for ref, state in _each(after.identities, fate):
        want = after.identities[ref]
        fresh = new_identity(want.type)
        if all(have == want for have in _possible(state, before.identities.get(ref), fresh)):
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


def _forced_rls(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    statements = []
    for ref, state in _each(after.rls_forced, fate):
        want = after.rls_forced[ref]
        if any(have != want for have in _possible(state, before.rls_forced.get(ref), False)):
            keyword = "FORCE" if want else "NO FORCE"
            statements.append(f"ALTER TABLE {ref.qualified()} {keyword} ROW LEVEL SECURITY;")
    return statements


def _option_key(option: str) -> tuple[str, str]:
    key, _, value = option.partition("=")
    return key, value


def _relation_options(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # WITH (...) of tables and views: migra neither creates nor compares them.
    statements = []
    for ref, state in _each(after.rel_options, fate):
        want = dict(map(_option_key, after.rel_options[ref]))
        possible = [dict(map(_option_key, o or ()))
                    for o in _possible(state, before.rel_options.get(ref), ())]
        if all(have == want for have in possible):
            continue
        target = f"ALTER {_ALTER_KEYWORD[ref.kind]} {ref.qualified()}"
        stale = sorted({k for have in possible for k in have} - want.keys())
        if stale:
            statements.append(f"{target} RESET ({', '.join(map(_option_name, stale))});")
        if want:
            pairs = ", ".join(f"{_option_name(k)} = {quote_literal(v)}"
                              for k, v in sorted(want.items()))
            statements.append(f"{target} SET ({pairs});")
    return statements


def _option_name(key: str) -> str:
    # Options may be namespaced (toast.autovacuum_enabled): quote each part.
    return ".".join(quote_ident(part) for part in key.split("."))


def _publications(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    # Membership is per table; a table migra re-creates (a rare partitioning change)
    # is treated as kept, since ADD TABLE twice would fail.
    drops, adds = [], []

    def drop(publication: str, table: Ref) -> None:
        drops.append(f"ALTER PUBLICATION {quote_ident(publication)} "
                     f"DROP TABLE {table.qualified()};")

    for (publication, table), spec in sorted(after.publications.items()):
        state = fate(table)
        if state is None:
            continue
        had = before.publications.get((publication, table)) if state != NEW else None
        if had == spec:
            continue
        if had is not None:
            drop(publication, table)
        adds.append(f"ALTER PUBLICATION {quote_ident(publication)} ADD TABLE {spec};")
    for publication, table in sorted(before.publications.keys() - after.publications.keys()):
        if fate(table) == KEPT:
            drop(publication, table)
    return drops + adds


def _owner(snap: Snapshot, ref: Ref) -> str | None:
    """The object's owner; a column's is its relation's."""
    if ref.kind not in MEMBER_KINDS:
        return snap.owners.get(ref)
    owners = (snap.owners.get(Ref(kind, ref.schema, ref.name)) for kind in RELATION_KINDS)
    return next((owner for owner in owners if owner is not None), None)


# What information_schema.table_privileges (so migra) reports; not MAINTAIN (Postgres 17+).
_MIGRA_TABLE_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES",
                           "TRIGGER"}


def _non_owner_pairs(acl: frozenset[Grant], owner: str | None) -> set[tuple[str, str]]:
    return {(g.grantee, g.privilege) for g in acl
            if g.grantee != owner and g.privilege in _MIGRA_TABLE_PRIVILEGES}


def _after_migra_table_grants(base: frozenset[Grant], had: frozenset[Grant] | None,
                              want: frozenset[Grant], old_owner: str | None,
                              new_owner: str | None) -> frozenset[Grant]:
    """A table's ACL after migra's own table-grant diff ran on `base`.

    migra compares (grantee, privilege) pairs of non-owners and ignores grant options; its
    "PUBLIC" grantee must reach Postgres as the PUBLIC keyword (see the integrator notes).
    """
    had_pairs = _non_owner_pairs(had or frozenset(), old_owner)
    want_pairs = _non_owner_pairs(want, new_owner)
    revoked = had_pairs - want_pairs
    granted = want_pairs - had_pairs
    kept = {g for g in base if (g.grantee, g.privilege) not in revoked}
    present = {(g.grantee, g.privilege) for g in kept}
    return frozenset(kept | {Grant(g, p, False) for g, p in granted if (g, p) not in present})


def _handed_over(acl: frozenset[Grant], old: str | None, new: str | None) -> frozenset[Grant]:
    """The ACL after the owner changed from `old` to `new` (ALTER ... OWNER TO moves grants)."""
    if old is None or new is None or old == new:
        return acl
    return frozenset(g._replace(grantee=new) if g.grantee == old else g for g in acl)


def _possible_acls(before: Snapshot, after: Snapshot, ref: Ref, state: str):
    """The object's ACL after migra's DDL, then _owners' ALTER ... OWNER TO, ran."""
    old_owner, new_owner = _owner(before, ref), _owner(after, ref)
    starts = []
    if state in (KEPT, EITHER):
        starts.append((before.acls.get(ref, frozenset()), old_owner))
    if state in (NEW, EITHER):
        # Created by the migration's role, under the default privileges in force then.
        starts.append((new_object_acl(before, ref, before.creator), before.creator))
    for acl, holder in starts:
        if ref.kind == "table":
            acl = _after_migra_table_grants(acl, before.acls.get(ref), after.acls[ref],
                                            old_owner, new_owner)
        yield _handed_over(acl, holder, new_owner)


def _object_grants(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    statements = []
    for ref, state in _each(after.acls, fate):
        changes = acl_changes(_possible_acls(before, after, ref, state), after.acls[ref])
        if not changes:
            continue
        if ref.kind == "column":
            table = f"TABLE {quote_ident(ref.schema)}.{quote_ident(ref.name)}"
            statements += render(changes, table, columns=(ref.member,))
        else:
            statements += render(changes, ref.grant_target())
    return statements


def _comments(before: Snapshot, after: Snapshot, fate: _Fates) -> list[str]:
    statements = []
    refs = after.comments.keys() | (before.comments.keys() & after.shapes.keys())
    for ref, state in _each(refs, fate):
        want = after.comments.get(ref)
        if all(have == want for have in _possible(state, before.comments.get(ref), None)):
            continue
        text = quote_literal(want) if want is not None else "NULL"
        statements.append(f"COMMENT ON {ref.sql()} IS {text};")
    return statements

