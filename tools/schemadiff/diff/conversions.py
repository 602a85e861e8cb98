"""Whether a column type change can fail on a row, or change a value: the one place that decides.

Decided from the catalog (the column's built-in type and typmod before and after, read from
"current" and "desired"), never from the SQL text: `varchar(20)` and `character varying(20)`
are one type, and a domain named `bigint` is not `pg_catalog.int8`.

- WIDENING: every value converts, exactly (smallint → integer → bigint, integer → numeric
  wide enough, real → double precision, varchar(n) → varchar(m ≥ n) or text, numeric(p,s)
  → numeric with as many integer digits and at least the scale, timestamp(p) → (p2 ≥ p)).
  It cannot fail on rows and loses nothing, so it is neither data-dependent nor
  destructive.
- NARROWING: a value converts exactly or the statement fails (bigint → integer, numeric
  with fewer integer digits, the same type under another collation): data-dependent, but
  the rows that pass keep their values, so it is neither destructive nor a declared loss.
- LOSSY: anything else, and every type not known here (domains, enums, arrays, char(n),
  text → integer, timestamp → timestamptz): it may fail, and may round or cut values
  silently (migra converts with an explicit cast, which cuts `varchar` to length), so it
  is data-dependent, destructive and a declared loss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pglast import ast

from .. import sql as sql_files
from ..scratch import Server

WIDENING, NARROWING, LOSSY = "widening", "narrowing", "lossy"

Column = tuple[str, str]  # (schema.table, column)

_INTEGER_RANK = {"int2": 0, "int4": 1, "int8": 2}
_INTEGER_DIGITS = {"int2": 5, "int4": 10, "int8": 19}
# Integers a float holds exactly: a float4 has a 24-bit mantissa, a float8 53 bits.
_EXACT_IN_FLOAT = {"float4": {"int2"}, "float8": {"int2", "int4"}}
_STRINGS = {"text", "varchar"}
_TIMES = {"timestamp", "timestamptz", "time", "timetz"}
_UNBOUNDED = float("inf")


@dataclass(frozen=True)
class ColumnType:
    """A column's type as the catalog holds it: a pg_catalog type's name (None for any
    other type: a domain, an enum, an extension's type), the column's typmod and
    collation (schema.name)."""

    name: str | None
    typmod: int = -1
    collation: str | None = None


def _numeric(typmod: int) -> tuple[float, int] | None:
    """(integer digits, scale) of numeric(p,s); None when unconstrained."""
    if typmod < 4:
        return None
    precision = ((typmod - 4) >> 16) & 0xFFFF
    scale = (((typmod - 4) & 0x7FF) ^ 1024) - 1024  # Postgres 15+ allows a negative scale
    return precision - scale, scale


def _length(name: str, typmod: int) -> float:
    """The most characters a text or varchar column holds."""
    return _UNBOUNDED if name == "text" or typmod < 4 else typmod - 4


def _precision(typmod: int) -> int:
    """Fractional digits of seconds a time or timestamp keeps (6 when unspecified)."""
    return 6 if typmod < 0 else typmod


def conversion(old: ColumnType, new: ColumnType) -> str:
    """WIDENING, NARROWING or LOSSY for a column converted from `old` to `new`."""
    kind = _by_type(old, new)
    if kind == WIDENING and old.collation != new.collation:
        return NARROWING  # values that were distinct may compare equal: a unique index fails
    return kind


def _by_type(old: ColumnType, new: ColumnType) -> str:
    a, b = old.name, new.name
    if a is None or b is None:
        return LOSSY
    if (a, old.typmod) == (b, new.typmod):
        return WIDENING  # the type stays (only its collation may change)
    if a in _INTEGER_RANK and b in _INTEGER_RANK:
        return WIDENING if _INTEGER_RANK[b] > _INTEGER_RANK[a] else NARROWING
    if a in _INTEGER_RANK and b == "numeric":
        to = _numeric(new.typmod)
        if to is None or (to[1] >= 0 and to[0] >= _INTEGER_DIGITS[a]):
            return WIDENING
        return NARROWING if to[1] >= 0 else LOSSY  # a negative scale rounds
    if a in _INTEGER_RANK and b in _EXACT_IN_FLOAT:
        return WIDENING if a in _EXACT_IN_FLOAT[b] else LOSSY
    if a == "numeric" and b in _INTEGER_RANK:
        source = _numeric(old.typmod)
        return NARROWING if source is not None and source[1] <= 0 else LOSSY
    if a == "numeric" and b == "numeric":
        return _numeric_to_numeric(_numeric(old.typmod), _numeric(new.typmod))
    if (a, b) == ("float4", "float8"):
        return WIDENING
    if a in _STRINGS and b in _STRINGS:
        # Shorter: an explicit cast (migra's USING) cuts the value to length, silently.
        return WIDENING if _length(b, new.typmod) >= _length(a, old.typmod) else LOSSY
    if a in _TIMES and a == b:
        # Fewer fractional digits round the value.
        return WIDENING if _precision(new.typmod) >= _precision(old.typmod) else LOSSY
    return LOSSY


def _numeric_to_numeric(old: tuple[float, int] | None, new: tuple[float, int] | None) -> str:
    if new is None:
        return WIDENING  # unconstrained numeric holds every value exactly
    if old is None or new[1] < old[1]:
        return LOSSY  # fewer decimals round
    return WIDENING if new[0] >= old[0] else NARROWING


@dataclass
class TypeChanges:
    """How each column whose type a change alters converts: the migration's way (`up`)
    and the rollback's (`down`). Columns not listed convert LOSSY."""

    up: dict[Column, str] = field(default_factory=dict)
    down: dict[Column, str] = field(default_factory=dict)


def read_types(server: Server, dbname: str, columns: Iterable[Column]) -> dict[Column, ColumnType]:
    """The catalog type of each of `columns` in `dbname` (absent: no such column)."""
    wanted = sorted(set(columns))
    if not wanted:
        return {}
    rows = server.query(dbname, sql_files.load("conversion_columns.sql"),
                        {"tables": [t for t, _ in wanted], "columns": [c for _, c in wanted]})
    return {(table, column): ColumnType(name, typmod, collation)
            for table, column, name, typmod, collation in rows}


def type_changes(server: Server, current: str, desired: str, columns: Iterable[Column]
                 ) -> TypeChanges:
    """The conversions of `columns` (those the plan alters the type of) between the
    catalog of `current` and of `desired`; nothing is read when there are none."""
    wanted = set(columns)
    if not wanted:
        return TypeChanges()
    before, after = read_types(server, current, wanted), read_types(server, desired, wanted)
    changes = TypeChanges()
    for column in wanted & before.keys() & after.keys():
        changes.up[column] = conversion(before[column], after[column])
        changes.down[column] = conversion(after[column], before[column])
    return changes


def of_command(conversions: Mapping[Column, str] | None, table: str,
               cmd: ast.AlterTableCmd) -> str:
    """The conversion an `ALTER COLUMN … TYPE` command of `table` makes: the catalog's
    verdict, unless a USING other than a cast of the column itself makes the conversion
    an arbitrary expression (LOSSY)."""
    assert cmd.name is not None  # the grammar names the column
    definition = cmd.def_
    if isinstance(definition, ast.ColumnDef) and definition.raw_default is not None \
            and not _casts_itself(definition.raw_default, cmd.name):
        return LOSSY
    return (conversions or {}).get((table, cmd.name), LOSSY)


def _casts_itself(expression, column: str) -> bool:
    """Whether `expression` is `column::type` (migra's USING), the column's own value."""
    if not isinstance(expression, ast.TypeCast) or not isinstance(expression.arg,
                                                                   ast.ColumnRef):
        return False
    fields = expression.arg.fields or ()
    return len(fields) == 1 and getattr(fields[0], "sval", None) == column
