"""GRANT/REVOKE statements that take an object from any of its possible ACLs to a target ACL."""

from __future__ import annotations

from collections.abc import Iterable

from ...inspect.catalog_model import (
    DefaultAclKey,
    Grant,
    Ref,
    Snapshot,
    quote_ident,
)

# pg_default_acl.defaclobjtype for the kinds a new object can get default privileges for.
DEFAULT_ACL_OBJTYPE = {
    "table": "r", "view": "r", "materialized view": "r", "foreign table": "r",
    "sequence": "S", "function": "f", "procedure": "f", "aggregate": "f",
    "enum": "T", "type": "T", "range type": "T", "domain": "T", "schema": "n",
}
_DEFAULT_ACL_WORDS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES",
                      "n": "SCHEMAS"}
# acldefault() spells the sequence type in lower case; pg_default_acl in upper.
_ACLDEFAULT_TYPE = {"r": "r", "S": "s", "f": "f", "T": "T", "n": "n"}

_ABSENT, _PLAIN, _GRANTABLE = 0, 1, 2


def builtin_acl(snap: Snapshot, objtype: str, owner: str) -> frozenset[Grant]:
    """What Postgres gives an object when no default privileges apply (acldefault)."""
    return frozenset(
        Grant("PUBLIC" if to_public else owner, privilege, False)
        for to_public, privilege in snap.acldefault.get(_ACLDEFAULT_TYPE[objtype], ())
    )


def new_object_acl(defaults: Snapshot, ref: Ref, owner: str) -> frozenset[Grant]:
    """The ACL an object `owner` creates now gets, under `defaults`' default privileges."""
    objtype = DEFAULT_ACL_OBJTYPE.get(ref.kind)
    if objtype is None:  # columns start with no privileges of their own
        return frozenset()
    database_wide = defaults.default_acls.get(DefaultAclKey(owner, None, objtype))
    acl = database_wide if database_wide is not None else builtin_acl(defaults, objtype, owner)
    if objtype != "n":
        acl |= defaults.default_acls.get(DefaultAclKey(owner, ref.schema, objtype), frozenset())
    return acl


def _state(acl: frozenset[Grant], grantee: str, privilege: str) -> int:
    if Grant(grantee, privilege, True) in acl:
        return _GRANTABLE
    return _PLAIN if Grant(grantee, privilege, False) in acl else _ABSENT


def _grantee(name: str) -> str:
    return "PUBLIC" if name == "PUBLIC" else quote_ident(name)


def acl_changes(possible: Iterable[frozenset[Grant]], target: frozenset[Grant]):
    """(action, grantee, privileges) that reach `target` from every ACL in `possible`.

    Actions, in the order they must run: 'revoke grant option', 'revoke', 'grant',
    'grant with grant option'. Each is idempotent, so an uncertain start is fine.
    """
    possible = list(possible)
    if all(acl == target for acl in possible):
        return []  # the usual case, and the answer the loop below would give, 10x sooner
    pairs = {(g.grantee, g.privilege) for acl in [*possible, target] for g in acl}
    changes: dict[tuple[str, str], list[str]] = {}
    for grantee, privilege in sorted(pairs):
        want = _state(target, grantee, privilege)
        have = {_state(acl, grantee, privilege) for acl in possible}
        actions = []
        if want == _ABSENT and have - {_ABSENT}:
            actions.append("revoke")
        elif want == _PLAIN:
            if _GRANTABLE in have:
                actions.append("revoke grant option")
            if _ABSENT in have:
                actions.append("grant")
        elif want == _GRANTABLE and have - {_GRANTABLE}:
            actions.append("grant with grant option")
        for action in actions:
            changes.setdefault((action, grantee), []).append(privilege)
    order = ["revoke grant option", "revoke", "grant", "grant with grant option"]
    return sorted(((a, g, tuple(p)) for (a, g), p in changes.items()),
                  key=lambda c: (order.index(c[0]), c[1]))


def render(changes, on: str, columns: tuple[str, ...] = (), prefix: str = "") -> list[str]:
    """GRANT/REVOKE statements for acl_changes() output; `on` is e.g. `TABLE "s"."t"`."""
    column_list = " (" + ", ".join(quote_ident(c) for c in columns) + ")" if columns else ""
    statements = []
    for action, grantee, privileges in changes:
        privs = ", ".join(p + column_list for p in privileges)
        who = _grantee(grantee)
        if action == "revoke grant option":
            sql = f"REVOKE GRANT OPTION FOR {privs} ON {on} FROM {who} CASCADE"
        elif action == "revoke":
            sql = f"REVOKE {privs} ON {on} FROM {who} CASCADE"
        elif action == "grant":
            sql = f"GRANT {privs} ON {on} TO {who}"
        else:
            sql = f"GRANT {privs} ON {on} TO {who} WITH GRANT OPTION"
        statements.append(prefix + sql + ";")
    return statements


def default_privilege_statements(before: Snapshot, after: Snapshot) -> list[str]:
    """ALTER DEFAULT PRIVILEGES that turn `before`'s entries into `after`'s."""
    statements = []
    keys = before.default_acls.keys() | after.default_acls.keys()
    for key in sorted(keys, key=lambda k: (k.role, k.schema or "", k.objtype)):
        if key.schema is None:
            # A database-wide entry holds the whole ACL; no entry means acldefault().
            builtin = builtin_acl(after, key.objtype, key.role)
            have = before.default_acls.get(key, builtin)
            want = after.default_acls.get(key, builtin)
            prefix = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(key.role)} "
        else:
            # A per-schema entry only adds to the database-wide one.
            have = before.default_acls.get(key, frozenset())
            want = after.default_acls.get(key, frozenset())
            prefix = (f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote_ident(key.role)} "
                      f"IN SCHEMA {quote_ident(key.schema)} ")
        # ALTER DEFAULT PRIVILEGES names a class of objects: `GRANT ... ON TABLES TO ...`.
        on = _DEFAULT_ACL_WORDS[key.objtype]
        statements += render(acl_changes([have], want), on, prefix=prefix)
    return statements
