"""Statements migra builds with wrongly quoted names or literals, rebuilt correctly.

migra (schemainspect) formats a few statements by hand and forgets to quote: enum
labels (`'won't'` breaks, and a label can carry SQL), policy role lists, the table of
a DROP TRIGGER, the column of an enum re-cast. Each fix is keyed by the exact text
migra emits for that object, so nothing else can be touched by mistake.
"""

from __future__ import annotations

from ...inspect.catalog_model import quote_ident, quote_literal
from ..statements import tidy


def enum_labels(labels) -> str:
    """A quoted, comma-separated list of enum labels."""
    return ", ".join(quote_literal(label) for label in labels)


def _enum_create(enum) -> str:
    return f"create type {enum.quoted_full_name} as enum ({enum_labels(enum.elements)});"


def _policy_create(policy) -> str:
    # PUBLIC is a keyword here, not a role: quoting it would name a role "public".
    roles = ", ".join("public" if r == "public" else quote_ident(r) for r in policy.roles)
    using = f"\nusing ({policy.qual})" if policy.qual else ""
    check = f"\nwith check ({policy.withcheck})" if policy.withcheck else ""
    return (f"create policy {policy.quoted_name}\non {policy.quoted_full_table_name}\n"
            f"as {policy.permissiveness}\nfor {policy.commandtype_keyword}\n"
            f"to {roles}{using}{check};")


def _trigger_drop(trigger) -> str:
    return (f"drop trigger if exists {quote_ident(trigger.name)} on "
            f"{quote_ident(trigger.schema)}.{quote_ident(trigger.table_name)};")


def _enum_recasts(model):
    """migra's `alter column <unquoted name> type ...` re-casts of enum columns."""
    for table in model.tables.values():
        for column in table.columns.values():
            if column.is_enum and column.enum is not None:
                name = column.enum.quoted_full_name
                yield (
                    column.change_enum_statement(table.quoted_full_name),
                    f"alter table {table.quoted_full_name} alter column "
                    f"{quote_ident(column.name)} type {name} "
                    f"using {quote_ident(column.name)}::text::{name};",
                )


def replacements(from_model, to_model) -> dict[str, str]:
    """{migra's text: the correct text} for every object of both models whose text differs."""
    fixes: dict[str, str] = {}
    for model in (from_model, to_model):
        for enum in model.enums.values():
            fixes[tidy(enum.create_statement)] = _enum_create(enum)
        for policy in model.rlspolicies.values():
            fixes[tidy(policy.create_statement)] = _policy_create(policy)
        for trigger in model.triggers.values():
            fixes[tidy(trigger.drop_statement)] = _trigger_drop(trigger)
        for wrong, right in _enum_recasts(model):
            fixes[tidy(wrong)] = right
    return {wrong: right for wrong, right in fixes.items() if wrong != right}


def fixed(statements: list[str], from_model, to_model) -> list[str]:
    """`statements` with every mis-quoted migra statement replaced by its correct form."""
    fixes = replacements(from_model, to_model)
    return [fixes.get(s, s) for s in statements]
