"""Statements about a schema the same migration drops.

DROP SCHEMA removes the schema's default privileges with it (pg_default_acl rows depend
on the schema), so the supplement's REVOKE of them would then name a schema that no
longer exists; reorder only moves statements later, never ahead of the drop.
"""

from __future__ import annotations

from .. import classify


def _names(model) -> set[str]:
    return {schema.schema for schema in model.schemas.values()}


def without_dropped_schema_defaults(statements: list[str], from_model, to_model) -> list[str]:
    """`statements` without ALTER DEFAULT PRIVILEGES IN SCHEMA of schemas dropped here."""
    dropped = _names(from_model) - _names(to_model)
    if not dropped:
        return statements
    return [
        s for s in statements
        if not set(classify.default_privilege_schemas(s) or ()) & dropped
    ]
