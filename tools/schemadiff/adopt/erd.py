"""A Mermaid ER diagram of a database: its tables, their key columns (or all of them), and
the foreign keys between them, read from the catalog (sql/erd_*.sql)."""

from __future__ import annotations

import re
from collections import defaultdict

from .. import sql
from ..inspect.scope import Scope

# Mermaid attribute types are one word: Postgres's long type names, shortened.
_SHORT_TYPES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "time with time zone": "timetz",
    "time without time zone": "time",
    "character varying": "varchar",
    "double precision": "float8",
    "bit varying": "varbit",
}


def _type(name: str) -> str:
    for long, short in _SHORT_TYPES.items():
        name = name.replace(long, short)
    return re.sub(r"[^A-Za-z0-9_\[\]()-]", "_", name.replace(", ", "_"))


def _entity(schema: str, name: str, home: str) -> str:
    """Mermaid names allow no dot: the first managed schema's tables go bare, others get
    their schema as a prefix (auth_users)."""
    return name if schema == home else f"{schema}_{name}"


def _rows(conn, name: str, schemas: list[str]) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute(sql.load(name), {"schemas": schemas})
        names = [d.name for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def diagram(conn, scope: Scope, *, all_columns: bool = False) -> str:
    """The `erDiagram` of the managed tables of the database on `conn`; tables outside the
    scope that they reference (auth.users) appear with the referenced columns only."""
    schemas = list(scope.schemas)
    home = schemas[0]

    def managed(schema: str, name: str) -> bool:
        return f"{schema}.{name}" not in scope.unmanaged

    columns = [r for r in _rows(conn, "erd_columns.sql", schemas)
               if managed(r["schema"], r["name"])]
    keys = [r for r in _rows(conn, "erd_foreign_keys.sql", schemas)
            if managed(r["schema"], r["name"]) and managed(r["ref_schema"], r["ref_name"])]
    attributes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in columns:
        marks = [m for m, on in (("PK", r["pk"]), ("FK", r["fk"]), ("UK", r["uk"])) if on]
        attributes[(r["schema"], r["name"])]  # every table appears, keyless ones too
        if all_columns or marks:
            attributes[(r["schema"], r["name"])].append(
                f'{_type(r["type"])} {r["column"]}' + (f' {", ".join(marks)}' if marks else ""))
    outside: dict[tuple[str, str], list[str]] = defaultdict(list)
    for k in keys:
        ref = (k["ref_schema"], k["ref_name"])
        if ref[0] not in schemas:
            for column, type_ in zip(k["ref_columns"], k["ref_types"], strict=True):
                line = f"{_type(type_)} {column}" + (" PK" if k["ref_pk"] else "")
                if line not in outside[ref]:
                    outside[ref].append(line)
    lines = ["erDiagram"]
    for (schema, name), attrs in [*sorted(attributes.items()), *sorted(outside.items())]:
        entity = _entity(schema, name, home)
        if not attrs:
            lines.append(f"    {entity}")
            continue
        lines.append(f"    {entity} {{")
        lines += [f"        {attr}" for attr in attrs]
        lines.append("    }")
    for k in keys:
        child = _entity(k["schema"], k["name"], home)
        parent = _entity(k["ref_schema"], k["ref_name"], home)
        # Parent side: exactly one when every referencing column is NOT NULL, else zero or one.
        # Child side: zero or one when the columns are a key of their own, else zero or more.
        many = "|o" if k["unique"] else "}o"
        one = "||" if k["required"] else "o|"
        lines.append(f'    {child} {many}--{one} {parent} : "{", ".join(k["columns"])}"')
    return "\n".join(lines) + "\n"
