"""Table and view properties migra does not compare: FORCE ROW LEVEL SECURITY, WITH (...)."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot, quote_ident, quote_literal
from .fates import Fates, each, possible

_ALTER_KEYWORD = {"table": "TABLE", "view": "VIEW", "materialized view": "MATERIALIZED VIEW"}


def forced_rls(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    statements = []
    for ref, state in each(after.rls_forced, fate):
        want = after.rls_forced[ref]
        if any(have != want for have in possible(state, before.rls_forced.get(ref), False)):
            keyword = "FORCE" if want else "NO FORCE"
            statements.append(f"ALTER TABLE {ref.qualified()} {keyword} ROW LEVEL SECURITY;")
    return statements


def _option_key(option: str) -> tuple[str, str]:
    key, _, value = option.partition("=")
    return key, value


def relation_options(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # WITH (...) of tables and views: migra neither creates nor compares them.
    statements = []
    for ref, state in each(after.rel_options, fate):
        want = dict(map(_option_key, after.rel_options[ref]))
        options = [dict(map(_option_key, o or ()))
                    for o in possible(state, before.rel_options.get(ref), ())]
        if all(have == want for have in options):
            continue
        target = f"ALTER {_ALTER_KEYWORD[ref.kind]} {ref.qualified()}"
        stale = sorted({k for have in options for k in have} - want.keys())
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
