"""Check and foreign-key constraints declared NOT VALID, which migra gets wrong.

migra adds a check or foreign key NOT VALID and then validates it. For a constraint that
schema.sql declares NOT VALID, pg_get_constraintdef already ends in NOT VALID: migra
writes it twice and then validates it, so it ends valid, and never converges. And when
only the validity changes (NOT VALID -> valid), migra drops and adds the constraint,
where VALIDATE CONSTRAINT alone does it without losing it for a moment.
"""

from __future__ import annotations

from ..statements import tidy

_NOT_VALID = " NOT VALID"


def rewritten(statements: list[str], from_model, to_model) -> list[str]:
    """migra's statements with constraints that stay or become NOT VALID left so, and
    a change from NOT VALID to valid made by VALIDATE CONSTRAINT alone."""
    replace: dict[str, list[str]] = {}
    for key, constraint in to_model.constraints.items():
        if not constraint.can_use_not_valid:
            continue
        validate = tidy(constraint.validate_statement)
        add = tidy(constraint.get_create_statement(set_not_valid=True))
        definition = constraint.definition
        old = from_model.constraints.get(key)
        if definition.endswith(_NOT_VALID):
            # Added as declared, NOT VALID once, and not validated after.
            replace[add] = [tidy(constraint.get_create_statement(set_not_valid=False))]
            replace[validate] = []
        elif old is not None and old.definition == definition + _NOT_VALID:
            replace[tidy(old.drop_statement)] = []
            replace[add] = []  # the VALIDATE that followed the ADD stays
    if not replace:
        return statements
    out: list[str] = []
    for statement in statements:
        out.extend(replace.get(statement, [statement]))
    return out
