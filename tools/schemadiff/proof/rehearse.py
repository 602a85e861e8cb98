"""Rehearsal: the migration, then its rollback, on a clone of "current" that holds rows.

The proof (verify.py) runs on empty clones: it shows the DDL reaches schema.sql and back,
not what it does to rows. Here the clone is populated (seed files, then generated rows:
data/samples.py), the migration and the rollback are applied as the Supabase CLI would
(one transaction each), and every row of every table that exists before and after must
come back by primary key and content, except what the change declares lost (a dropped
table or column, a changed type). A migration or rollback that fails on these rows is
reported, not raised: review/data_dependent.py decides whether that refuses the change.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from psycopg2.extensions import quote_ident

from .. import sql as sql_files
from ..apply import apply_sql
from ..data.literals import literal
from ..data.samples import Populated, populate
from ..diff.classify import subject
from ..diff.conversions import TypeChanges
from ..diff.effects import declared_losses
from ..errors import SQLInputError
from ..inspect.scope import Scope
from ..scratch import Databases, Server
from ..sources import SqlFile

Rows = dict[str, dict[tuple, dict]]  # schema.table -> {key: row as a JSON object}


@dataclass
class Rehearsal:
    """What happened to rows: seeded per table, changed by the migration, lost, and time."""

    seeded: dict[str, int] = field(default_factory=dict)  # table -> rows before the migration
    touched: dict[str, int] = field(default_factory=dict)  # table -> rows the migration changed
    # table -> rows before the rollback (new tables get sample rows too)
    before_rollback: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # rows gone or changed after the rollback
    declared: list[str] = field(default_factory=list)  # losses the change declares
    migration_losses: list[str] = field(default_factory=list)  # what the migration gives up
    failure: str | None = None  # "migration"/"rollback" failed on rows: Postgres's message
    failed_step: str | None = None
    populated: Populated = field(default_factory=Populated)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.lost


def read_rows(conn, schemas: tuple[str, ...], unmanaged: tuple[str, ...] = (),
              only: set[str] | None = None) -> Rows:
    """Every row of every table of `schemas` (or of `only`), keyed by primary key (the whole
    row without one)."""
    with conn.cursor() as cur:
        cur.execute(sql_files.load("rehearse_tables.sql"), {"schemas": list(schemas)})
        tables = [(s, n, tuple(pk)) for s, n, pk in cur.fetchall()
                  if f"{s}.{n}" not in unmanaged and (only is None or f"{s}.{n}" in only)]
        rows: Rows = {f"{s}.{n}": {} for s, n, _ in tables}
        if not tables:
            return rows
        parts = []
        for schema, name, _ in tables:
            target = ".".join(quote_ident(p, conn) for p in (schema, name))
            parts.append(f"SELECT {literal(f'{schema}.{name}', 'text')}, to_jsonb(t)::text "
                         f"FROM {target} AS t")
        cur.execute(" UNION ALL ".join(parts))
        keys = {f"{s}.{n}": pk for s, n, pk in tables}
        for table, text in cur.fetchall():
            row = json.loads(text)
            key = keys[table]
            at = tuple(json.dumps(row.get(k), sort_keys=True) for k in key) if key else (
                json.dumps(row, sort_keys=True),)
            rows[table][at] = row
    return rows


def _named(statements: list[str]) -> set[str]:
    """schema.table of every table the statements are about."""
    found = set()
    for statement in statements:
        label = subject(statement)
        if label.startswith("table "):
            name = label.removeprefix("table ").replace('"', "")
            found.add(name if "." in name else f"public.{name}")
    return found


def _changed(before: Rows, after: Rows) -> dict[str, int]:
    """Rows per table that are new, gone or different (a new table's rows are new)."""
    changed = {}
    for table, b in after.items():
        a = before.get(table, {})
        count = sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        if count:
            changed[table] = count
    return changed


def _lost(before: Rows, after: Rows, dropped: set[str], columns: set[tuple[str, str]]
          ) -> list[str]:
    """Rows of `before` not in `after`, or changed, minus declared losses."""
    found = []
    for table in sorted(before.keys() & after.keys()):
        if table in dropped:
            continue
        lost_columns = {c for t, c in columns if t == table}
        for key, row in sorted(before[table].items()):
            other = after[table].get(key)
            shown = ", ".join(key)
            if other is None:
                found.append(f"{table} ({shown}): row gone after the rollback")
                continue
            for column, value in sorted(row.items()):
                if column not in lost_columns and other.get(column) != value:
                    found.append(f"{table} ({shown}): {column} was {json.dumps(value)}, "
                                 f"is {json.dumps(other.get(column))} after the rollback")
    return found


@dataclass
class Prepared:
    """A populated clone of current and its rows, ready for the migration."""

    clone: str
    populated: Populated
    before: Rows
    seconds: float


def prepare(server: Server, databases: Databases, current: str, scope: Scope,
            seed_files: list[SqlFile], clone: str | None = None,
            left_empty: Mapping[str, str] | None = None) -> Prepared:
    """Clone `current` (unless `clone` is one), load the seed files and sample rows (none
    in the tables of `left_empty`, {table: why}), read every row."""
    start = time.perf_counter()
    clone = clone or databases.create("rehearsal", template=current)
    conn = server.connect(clone)
    try:
        populated = populate(conn, scope.schemas, scope.unmanaged, seed_files,
                             left_empty=left_empty)
        before = read_rows(conn, scope.schemas, scope.unmanaged)
    finally:
        conn.close()
    return Prepared(clone, populated, before, time.perf_counter() - start)


class Preparation(threading.Thread):
    """`prepare` in the background, started as soon as current is built: it then costs
    nothing while schema.sql is applied and the diff is computed.

    The clone is made here, in the caller's thread: CREATE DATABASE … TEMPLATE fails while
    anyone is connected to the template, and later the diff connects to current.
    """

    def __init__(self, server: Server, databases: Databases, current: str, scope: Scope,
                 seed_files: list[SqlFile], left_empty: Mapping[str, str] | None = None
                 ) -> None:
        super().__init__(name="rehearsal-rows", daemon=True)
        started = time.perf_counter()
        clone = databases.create("rehearsal", template=current)
        self.args = (server, databases, current, scope, seed_files, clone, left_empty)
        self.cloning = time.perf_counter() - started
        self.prepared: Prepared | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.prepared = prepare(*self.args)
            self.prepared.seconds += self.cloning
        except BaseException as exc:  # re-raised by result(), in the caller's thread
            self.error = exc

    def result(self) -> Prepared:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.prepared is not None
        return self.prepared


def rehearse(server: Server, databases: Databases, current: str, scope: Scope,
             up: tuple[str, str], down: tuple[str, str], up_statements: list[str],
             down_statements: list[str], seed_files: list[SqlFile],
             rewritten: set[tuple[str, str]] | None = None,
             prepared: Prepared | None = None,
             conversions: TypeChanges | None = None,
             left_empty: Mapping[str, str] | None = None) -> Rehearsal:
    """Populate a clone of `current`, apply `up` then `down` ((label, text) each), compare rows.

    `rewritten`: (table, column) pairs a declared backfill rewrites: a declared loss.
    `prepared`: the populated clone, made ahead (it is used up); else it is made here,
    with no sample rows in the tables of `left_empty` ({table: why}).
    `conversions`: how the type changes convert each way; an exact one is no declared loss,
    so its values must come back.
    """
    conversions = conversions or TypeChanges()
    start = time.perf_counter()
    prepared = prepared or prepare(server, databases, current, scope, seed_files,
                                   left_empty=left_empty)
    start -= prepared.seconds  # its time counts, even when it was spent in the background
    result = Rehearsal()
    losses = declared_losses(up_statements, conversions.up)
    result.migration_losses = [reason for _, reason, _, _ in losses]
    result.declared = [f"migration {reason}: {statement}" for statement, reason, _, _ in losses]
    result.declared += [f"rollback {reason}: {statement}" for statement, reason, _, _ in
                        declared_losses(down_statements, conversions.down)]
    dropped = {table for _, _, table, column in losses if table and column is None}
    lost_columns = {(table, column) for _, _, table, column in losses if table and column}
    lost_columns |= rewritten or set()
    clone, before = prepared.clone, prepared.before
    result.populated = prepared.populated
    conn = server.connect(clone)
    try:
        result.seeded = {t: len(r) for t, r in before.items() if r}
        for step, (label, text) in (("migration", up), ("rollback", down)):
            try:
                apply_sql(conn, SqlFile(Path(label), text))
            except SQLInputError as exc:
                result.failure, result.failed_step = str(exc), step
                break
            if step == "migration":
                # Only the tables the migration names: a full read costs as much as the
                # proof's own at 1000 tables, and the final comparison reads them all.
                named = _named(up_statements)
                after_up = read_rows(conn, scope.schemas, scope.unmanaged, named)
                result.touched = _changed(before, after_up)
                # Tables left without rows (new ones) get rows too: the rollback meets them.
                empty = {t for t, rows in after_up.items() if not rows}
                if empty:
                    later = populate(conn, scope.schemas, scope.unmanaged, [], only=empty)
                    result.populated.skipped.update(later.skipped)
                    after_up = read_rows(conn, scope.schemas, scope.unmanaged, named)
                result.before_rollback = {t: len(r) for t, r in after_up.items() if r}
        else:
            after = read_rows(conn, scope.schemas, scope.unmanaged)
            result.lost = _lost(before, after, dropped, lost_columns)
    finally:
        conn.close()
        databases.drop(clone)
    result.seconds = time.perf_counter() - start
    return result
