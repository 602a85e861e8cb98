"""Privileges migra cannot see: schemas, columns, functions, sequences, views, types, and
table grants that default privileges add to a new table."""

from __future__ import annotations

from ...inspect.catalog_model import MEMBER_KINDS, RELATION_KINDS, Grant, Ref, Snapshot, quote_ident
from .acl import acl_changes, new_object_acl, render
from .fates import EITHER, KEPT, NEW, Fates, each


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
    """The object's ACL after migra's DDL, then owners' ALTER ... OWNER TO, ran."""
    old_owner, new_owner = _owner(before, ref), _owner(after, ref)
    starts = []
    if state in (KEPT, EITHER):
        starts.append((before.acls.get(ref, frozenset()), old_owner))
    if state in (NEW, EITHER):
        # Created by the migration's role, under the default privileges in force then.
        starts.append((new_object_acl(before, ref, before.creator), before.creator))
    if ref.kind == "column" and state in (KEPT, EITHER):
        # REVOKE p ON TABLE also revokes p on every column: a table-level revoke (by migra
        # or by this module) may leave the column without its own grants.
        table = Ref("table", ref.schema, ref.name)
        revoked = ({(g.grantee, g.privilege) for g in before.acls.get(table, frozenset())}
                   - {(g.grantee, g.privilege) for g in after.acls.get(table, frozenset())})
        if revoked:
            starts.append((frozenset(g for g in before.acls.get(ref, frozenset())
                                     if (g.grantee, g.privilege) not in revoked), old_owner))
    for acl, holder in starts:
        if ref.kind == "table" and ref not in after.platform:  # migra sees managed tables
            acl = _after_migra_table_grants(acl, before.acls.get(ref), after.acls[ref],
                                            old_owner, new_owner)
        yield _handed_over(acl, holder, new_owner)


def object_grants(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    """GRANT/REVOKE for every object whose ACL migra leaves wrong; column grants last, as a
    table-level REVOKE also takes the columns' grants of that privilege."""
    statements, column_statements = [], []
    for ref, state in each(after.acls, fate):
        changes = acl_changes(_possible_acls(before, after, ref, state), after.acls[ref])
        if not changes:
            continue
        if ref.kind == "column":
            table = f"TABLE {quote_ident(ref.schema)}.{quote_ident(ref.name)}"
            column_statements += render(changes, table, columns=(ref.member,))
        else:
            statements += render(changes, ref.grant_target())
    return statements + column_statements
