"""Functions migra must drop while something still uses them.

A function whose arguments or return type change is dropped and created anew (migra
even tries CREATE OR REPLACE for a new return type, which Postgres refuses). Column
defaults, indexes, constraints, policies, triggers and views that call the old function
block the drop, and so do routines whose SQL-standard body (BEGIN ATOMIC) calls it: they
are dropped first and re-created, from the target, after it.
"""

from __future__ import annotations

from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy
from . import dependents

_DROP_ORDER = ("policy", "trigger", "constraint", "index", "view", "function", "default")
_COLLECTIONS = {"index": "indexes", "constraint": "constraints", "policy": "rlspolicies",
                "trigger": "triggers", "view": "selectables", "function": "functions"}


def _query() -> str:
    return dependents.query("repair_function_dependents.sql")


def _dependents(server: Server, dbname: str, function) -> list[tuple[str, str, str, str]]:
    return server.query(dbname, _query(),
                        {"schema": function.schema, "name": function.name,
                         "arguments": function.identity_arguments})


def _key(kind: str, schema: str, parent: str | None, name: str) -> str:
    if kind == "function":  # parent: the identity arguments, as schemainspect keys them
        return f"{quote_ident(schema)}.{quote_ident(name)}({parent})"
    if kind in ("index", "view") or parent is None:
        return f"{quote_ident(schema)}.{quote_ident(name)}"
    return f"{quote_ident(schema)}.{quote_ident(parent)}.{quote_ident(name)}"


def _default_statements(from_model, to_model, schema, table, column) -> tuple[str, str | None]:
    key = f"{quote_ident(schema)}.{quote_ident(table)}"
    where = f"alter table {key} alter column {quote_ident(column)}"
    target = to_model.tables.get(key)
    after = target.columns.get(column) if target is not None else None
    recreate = f"{where} set default {after.default};" if after and after.default else None
    return f"{where} drop default;", recreate


def rewritten(statements: list[str], from_model, to_model, server: Server,
              dbname: str) -> list[str]:
    """migra's statements with blocked function drops (and return type changes) made to work."""
    drops: list[tuple[int, str]] = []
    creates: list[str] = []
    for key, old in from_model.functions.items():
        new = to_model.functions.get(key)
        retyped = new is not None and new.result_string != old.result_string
        if new is not None and not retyped:
            continue
        if retyped:
            drops.append((len(_DROP_ORDER), tidy(old.drop_statement)))
        for kind, schema, parent, name in _dependents(server, dbname, old):
            if kind == "default":
                drop, create = _default_statements(from_model, to_model, schema, parent, name)
                drops.append((_DROP_ORDER.index(kind), drop))
                if create:
                    creates.append(create)
                continue
            dep_key = _key(kind, schema, parent, name)
            before = getattr(from_model, _COLLECTIONS[kind]).get(dep_key)
            after = getattr(to_model, _COLLECTIONS[kind]).get(dep_key)
            if before is not None:
                drops.append((_DROP_ORDER.index(kind), tidy(before.drop_statement)))
            if after is not None:
                creates.append(tidy(after.create_statement))
    if not drops:
        return statements
    head = list(dict.fromkeys(s for _, s in sorted(drops, key=lambda d: d[0])))
    tail = list(dict.fromkeys(creates))
    kept = [s for s in statements if s not in head and s not in tail]
    return head + kept + tail
