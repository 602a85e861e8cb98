"""migra's statements as the tool writes them: the one place that tidies a statement."""

from __future__ import annotations

from ..inspect.migra import migration_statements

# migra's one setting, session-wide as it writes it; each migration runs in a transaction
# of its own, so SET LOCAL keeps it from outliving the file.
_SESSION_SETTING = "set check_function_bodies = off;"


def tidy(statement: str) -> str:
    """A statement stripped and ending in one semicolon (as every repair keys them)."""
    text = statement.strip()
    text = text if text.endswith(";") else text + ";"
    return "set local check_function_bodies = off;" if text == _SESSION_SETTING else text


# migra's collation DDL loses the provider's details: supplement/collations.py writes it.
_COLLATION_DDL = ("create collation if not exists ", "drop collation if exists ")


def statements(from_model, to_model) -> list[str]:
    """The DDL migra emits to turn `from_model` into `to_model`, tidied."""
    return [tidy(s) for s in migration_statements(from_model, to_model)
            if not s.lstrip().startswith(_COLLATION_DDL)]
