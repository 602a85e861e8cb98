"""The schema rules squawk lacks, read from the catalog of the state a file leads to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pglast import ast

from ... import sql
from .statements import Statement


def _query(conn, name: str, params: dict | None = None) -> list[dict]:
    text = sql.load(name)
    with conn.cursor() as cur:
        # Without parameters psycopg2 leaves `%` alone (format('%I') needs that).
        cur.execute(text, params) if params else cur.execute(text)
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class CatalogFinding:
    rule: str
    objects: tuple[str, ...]  # where to report it: the first one the file names
    message: str


def catalog_findings(conn, exposed: Sequence[str]) -> list[CatalogFinding]:
    found: list[CatalogFinding] = []
    for row in _query(conn, "lint_redundant_indexes.sql"):
        schema, table = row["schema"], row["table_name"]
        other = (f"constraint {row['covering_constraint']}" if row["covering_constraint"]
                 else f"index {row['covering_index']}")
        found.append(CatalogFinding(
            "redundant-index",
            (f"index:{schema}.{row['index_name']}", f"index:{schema}.{row['covering_index']}",
             f"constraint:{schema}.{table}.{row['covering_constraint']}",
             f"table:{schema}.{table}"),
            f"index {schema}.{row['index_name']} is redundant: its columns lead {other} on "
            f"{schema}.{table}, which serves the same lookups. Drop it (it only slows writes).",
        ))
    for row in _query(conn, "lint_foreign_keys.sql"):
        schema, table, name = row["schema"], row["table_name"], row["constraint_name"]
        columns = ", ".join(row["columns"])
        found.append(CatalogFinding(
            "fk-without-index",
            (f"constraint:{schema}.{table}.{name}", f"table:{schema}.{table}"),
            f"foreign key {name} on {schema}.{table} ({columns}) -> {row['referenced']}: no "
            f"index leads with ({columns}), so each delete or key update in {row['referenced']}"
            f" scans {schema}.{table}. Add: CREATE INDEX ON {schema}.{table} ({columns});",
        ))
    for row in _query(conn, "lint_row_security.sql", {"schemas": list(exposed)}):
        table = f"{row['schema']}.{row['table_name']}"
        if not row["rls_enabled"]:
            found.append(CatalogFinding(
                "rls-disabled", (f"table:{table}",),
                f"table {table} is exposed through the API without row-level security: the "
                f"anon and authenticated roles can read and write every row. Add: ALTER "
                f"TABLE {table} ENABLE ROW LEVEL SECURITY; (and policies).",
            ))
        elif not row["has_policy"]:
            found.append(CatalogFinding(
                "rls-no-policy", (f"table:{table}",),
                f"table {table} has row-level security and no policy: only service_role "
                f"(BYPASSRLS) can reach it. Fine for an admin-only table.",
            ))
    return found


def locate(statements: Sequence[Statement], keys: Sequence[str]) -> Statement | None:
    """For the first key the file names: the statement creating it, else the first naming it."""
    for key in keys:
        naming = [s for s in statements if key in s.objects]
        if not naming:
            continue
        if key.startswith("table:"):
            creating = [s for s in naming if s.creates == key]
        elif key.startswith("index:"):
            creating = [s for s in naming if isinstance(s.node, ast.IndexStmt)]
        else:
            creating = []
        return (creating or naming)[0]
    return None
