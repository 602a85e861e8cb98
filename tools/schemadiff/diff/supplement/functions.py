"""Function settings migra does not compare: SET clauses, cost, parallel safety."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot
from .fates import KEPT, Fates, each


def function_settings(before: Snapshot, after: Snapshot, fate: Fates) -> list[str]:
    # migra compares a function's body, language, volatility, strictness and security,
    # not its SET clauses, cost or parallel safety; pg_get_functiondef carries all of them.
    return [
        after.function_defs[ref] + ";"
        for ref, state in each(after.function_defs, fate)
        if state == KEPT and before.function_defs.get(ref) != after.function_defs[ref]
    ]
