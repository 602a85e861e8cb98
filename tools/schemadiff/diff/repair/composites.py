"""Composite type changes as ALTER TYPE … ADD/DROP/ALTER ATTRIBUTE.

migra drops and re-creates a changed composite type, which fails as soon as a function
takes or returns it. When the kept attributes stay in order and new ones come last,
altering the type in place needs nothing else to move.
"""

from __future__ import annotations

from ...inspect.catalog_model import quote_ident
from ..statements import tidy


def _type_clause(column) -> str:
    collate = f" collate {quote_ident(column.collation)}" if column.collation else ""
    return f"{column.dbtypestr}{collate}"


def alter_clauses(old_columns, new_columns) -> list[str] | None:
    """ALTER TYPE actions turning `old_columns` into `new_columns`; None if order forbids."""
    kept = [name for name in old_columns if name in new_columns]
    if list(new_columns)[: len(kept)] != kept:
        return None
    clauses = [f"drop attribute {quote_ident(n)}" for n in old_columns if n not in new_columns]
    for name in kept:
        if _type_clause(old_columns[name]) != _type_clause(new_columns[name]):
            clauses.append(f"alter attribute {quote_ident(name)} type "
                           f"{_type_clause(new_columns[name])}")
    clauses += [f"add attribute {quote_ident(n)} {_type_clause(c)}"
                for n, c in new_columns.items() if n not in old_columns]
    return clauses


def rewritten(statements: list[str], from_model, to_model) -> list[str]:
    """migra's statements with drop-and-create of composite types replaced by ALTER TYPE."""
    replace: dict[str, list[str]] = {}
    for key, new in to_model.selectables.items():
        old = from_model.selectables.get(key)
        if new.relationtype != "c" or old is None or old.relationtype != "c" or old == new:
            continue
        clauses = alter_clauses(old.columns, new.columns)
        if clauses is None:
            continue
        replace[tidy(old.drop_statement)] = []
        replace[tidy(new.create_statement)] = (
            [f"alter type {new.quoted_full_name} {', '.join(clauses)};"] if clauses else []
        )
    out: list[str] = []
    for statement in statements:
        out.extend(replace.get(statement, [statement]))
    return out
