"""Values as Postgres prints them, written back as SQL literals of their type.

Values are written back as '<text>'::type, which round-trips every type. Two values are
equal when that output is equal: Postgres prints jsonb canonically (keys sorted,
whitespace normalized), so {"b":1, "a":2} equals {"a": 2, "b": 1}; 1.0 and 1.00 are
stored, and printed, differently, so changing one into the other is a change.
Literals are '...' with quotes doubled, or U&'...' when the text holds control
characters (newline, tab), so one statement is one line. Both assume
standard_conforming_strings = on (the default since PostgreSQL 9.1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tables import Side, Value


# Types whose text output is also a SQL literal of the type: left bare, to read well.
BARE_NUMBERS = {"smallint", "integer", "bigint"}


def literal(text: str | None, type_: str) -> str:
    """A SQL literal that gives back exactly `text` as a `type_` value."""
    if text is None:
        return "NULL"
    if type_ in BARE_NUMBERS or (type_ == "boolean" and text in ("true", "false")):
        return text  # integers and booleans read as themselves (bool::text is 'true'/'false')
    quoted = _quoted(text)
    return quoted if type_ == "text" else f"{quoted}::{type_}"


def _quoted(text: str) -> str:
    # Unprintable characters (newline, tab, zero-width, line separators) as U&'' escapes:
    # a statement stays on one line, and they are visible, and no editor or CRLF
    # conversion can change a value inside a migration file.
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    escaped = {"'": "''", "\\": "\\\\"}
    body = "".join(
        escaped.get(ch, ch) if ch.isprintable()
        else f"\\{ord(ch):04X}" if ord(ch) <= 0xFFFF else f"\\+{ord(ch):06X}"
        for ch in text
    )
    return f"U&'{body}'"


def sql_value(side: Side, column: str, value: Value) -> str:
    ref = side.refs.get(column)
    if isinstance(value, tuple) and ref is not None:
        where = " AND ".join(
            f"{k.sql} = {literal(v, k.type)}" for k, v in zip(ref.key, value, strict=True)
        )
        return f"(SELECT {ref.parent_column_sql} FROM {ref.parent_sql} WHERE {where})"
    assert not isinstance(value, tuple)  # a tuple is only ever read through a reference
    return literal(value, side.shape.columns[column].type)


def match(side: Side, key: tuple) -> str:
    return " AND ".join(
        f"{side.shape.columns[c].sql} = {sql_value(side, c, v)}"
        for c, v in zip(side.table.key or (), key, strict=True)
    )


def show_row(side: Side, row: dict[str, Value]) -> str:
    return ", ".join(f"{c} = {sql_value(side, c, row[c])}" for c in side.columns)
