"""Put DDL in an order Postgres accepts, by trying it on the database it will run against.

migra orders by object kind (tables, then functions, ...), so a column DEFAULT, CHECK,
generated column, index or policy that calls a new function comes before the function,
and a function is dropped before the column that uses it. Instead of modelling every
dependency Postgres knows, we ask Postgres: run the statements in one transaction on
the "current" database, each inside a savepoint; a statement that fails is moved after
the rest and retried, until every statement applies or a round makes no progress.
The transaction is always rolled back: the database is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg2

from ...scratch import Server


@dataclass
class Ordering:
    """Statements in an order that applied; `failed` holds (statement, error) that never did."""

    statements: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    rounds: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def _first_line(error: psycopg2.Error) -> str:
    return (str(error).strip().splitlines() or ["?"])[0]


def _session_settings_first(statements: list[str]) -> list[str]:
    # migra's `set check_function_bodies = off` must stay ahead of any statement that
    # moves; it is a session setting, so running it first changes nothing else.
    settings = [s for s in statements if s.lower().startswith("set ")]
    return settings + [s for s in statements if not s.lower().startswith("set ")]


def _applies_as_is(cur, conn, statements: list[str]) -> bool:
    """One round trip for the common case, where migra's order already applies: savepoints
    around every statement cost three round trips each (seconds at 1000 tables)."""
    try:
        cur.execute("\n".join(s if s.rstrip().endswith(";") else s + ";" for s in statements))
    except psycopg2.Error:
        return False
    finally:
        conn.rollback()
    return True


def order(statements: list[str], server: Server, dbname: str) -> Ordering:
    """`statements` reordered so that each applies after what it needs, tried on `dbname`."""
    pending = _session_settings_first(statements)
    result = Ordering()
    if not pending:
        return result
    conn = server.connect(dbname, autocommit=False)
    try:
        with conn.cursor() as cur:
            if _applies_as_is(cur, conn, pending):
                result.statements, result.rounds = pending, 1
                return result
            while pending:
                result.rounds += 1
                deferred: list[tuple[str, str]] = []
                for statement in pending:
                    cur.execute("SAVEPOINT schemadiff_try")
                    try:
                        cur.execute(statement)
                    except psycopg2.Error as exc:
                        cur.execute("ROLLBACK TO SAVEPOINT schemadiff_try")
                        deferred.append((statement, _first_line(exc)))
                        continue
                    cur.execute("RELEASE SAVEPOINT schemadiff_try")
                    result.statements.append(statement)
                if len(deferred) == len(pending):
                    result.failed = deferred
                    break
                pending = [s for s, _ in deferred]
    finally:
        conn.rollback()
        conn.close()
    # What never applied stays, in migra's order, at the end: the proof reports it.
    result.statements += [s for s, _ in result.failed]
    return result
