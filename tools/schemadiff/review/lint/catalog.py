"""The schema rules squawk lacks, read from the catalog of the state a file leads to."""

from __future__ import annotations

import re
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
    found += _access_findings(conn, exposed)
    return found


# Supabase's helpers that read the request's JWT claims. Called bare in a policy they run
# once per row; inside `(select ...)` once per query (an initPlan). Postgres prints the
# latter as `( SELECT auth.uid() AS uid)`.
_AUTH_CALL = re.compile(r"\bauth\.(uid|jwt|role|email)\(\)")
_AUTH_SELECTED = re.compile(r"\(\s*SELECT\s+auth\.(uid|jwt|role|email)\(\)", re.IGNORECASE)


def per_row_auth_calls(expression: str | None) -> list[str]:
    """The auth.*() functions `expression` calls for each row, not once in a sub-select."""
    if not expression:
        return []
    calls = [m.group(1) for m in _AUTH_CALL.finditer(expression)]
    for selected in _AUTH_SELECTED.finditer(expression):
        calls.remove(selected.group(1))
    return sorted(set(calls))


def _access_findings(conn, exposed: Sequence[str]) -> list[CatalogFinding]:
    """The Supabase hazards that widen nothing by themselves (review/widening.py reviews
    what does)."""
    found: list[CatalogFinding] = []
    for row in _query(conn, "lint_views.sql", {"schemas": list(exposed)}):
        view = f"{row['schema']}.{row['view_name']}"
        found.append(CatalogFinding(
            "view-without-security-invoker", (f"table:{view}",),
            f"view {view} runs with its owner's rights ({row['owner']}): the row-level "
            f"security of the tables it reads does not apply to its callers. Add: ALTER "
            f"VIEW {view} SET (security_invoker = on); (or keep it out of the API).",
        ))
    for row in _query(conn, "lint_security_definer.sql"):
        function = f"{row['schema']}.{row['function_name']}"
        found.append(CatalogFinding(
            "security-definer-search-path", (f"function:{function}",),
            f"SECURITY DEFINER function {function}({row['args']}) has no search_path of its "
            f"own: it runs as {row['owner']} and resolves names through the caller's "
            f"search_path. Add: ALTER FUNCTION {function}({row['args']}) SET search_path = "
            "''; (and qualify the names it uses).",
        ))
    for row in _query(conn, "lint_policy_expressions.sql"):
        table = f"{row['schema']}.{row['table_name']}"
        calls = sorted(set(per_row_auth_calls(row["using_expr"])
                           + per_row_auth_calls(row["check_expr"])))
        if not calls:
            continue
        named = ", ".join(f"auth.{c}()" for c in calls)
        selected = ", ".join(f"(select auth.{c}())" for c in calls)
        found.append(CatalogFinding(
            "auth-call-per-row",
            (f"policy:{table}.{row['policy_name']}", f"table:{table}"),
            f"policy {row['policy_name']} on {table} calls {named} once for every row it "
            f"checks. Write {selected}: Postgres then evaluates it once per query.",
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
