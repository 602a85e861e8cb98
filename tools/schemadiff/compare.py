"""Are two databases the same? Asked of migra and of the independent catalog judge."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import catalog, data, diff, judge
from .apply import SqlFile
from .diff import Scope
from .scratch import Server


@dataclass
class Comparison:
    """Differences between two databases, by judge; empty lists mean equal."""

    migra: list[str] = field(default_factory=list)  # statements migra would still emit
    catalog: list[str] = field(default_factory=list)  # what the catalog judge sees differ
    rows: list[str] = field(default_factory=list)  # reference-data rows that differ
    notes: list[str] = field(default_factory=list)  # e.g. column order: not failures

    @property
    def equal(self) -> bool:
        return not (self.migra or self.catalog or self.rows)

    def render(self) -> str:
        parts = []
        if self.migra:
            parts.append("migra still sees differences; it would emit:\n"
                         + "\n".join(f"    {s}" for s in self.migra))
        if self.catalog:
            parts.append("the catalog judge sees differences:\n"
                         + "\n".join(f"    {d}" for d in self.catalog))
        if self.rows:
            parts.append("reference data differs:\n" + "\n".join(f"    {r}" for r in self.rows))
        return "\n".join(parts)


class Judge:
    """Compares databases of one server under one scope, caching each database's models."""

    def __init__(self, server: Server, scope: Scope, reference_tables: list | None = None):
        self.server = server
        self.scope = scope
        self.reference_tables = reference_tables or []
        self._models: dict[str, object] = {}
        self._snapshots: dict[str, object] = {}

    def declare_reference_data(self, schema: SqlFile, configured: dict[str, tuple[str, ...]],
                               desired: str) -> None:
        """Also compare the rows of the reference tables `schema` declares (keys resolved in
        the `desired` database)."""
        tables = [t for t in data.reference_tables(schema, configured) if self.scope.keeps(t)]
        if tables:
            with self.connected(desired) as conn:
                tables = data.resolve_keys(conn, tables)
        self.reference_tables = tables

    def model(self, dbname: str):
        if dbname not in self._models:
            self._models[dbname] = diff.inspect(lambda: self.server.connect(dbname), self.scope)
        return self._models[dbname]

    def snapshot(self, dbname: str):
        """The catalog judge's view of a database (independent of migra)."""
        if dbname not in self._snapshots:
            with self.connected(dbname) as conn:
                self._snapshots[dbname] = catalog.snapshot(
                    conn, self.scope.schemas, self.scope.unmanaged
                )
        return self._snapshots[dbname]

    def forget(self, dbname: str) -> None:
        """Drop cached views of a database that has changed."""
        self._models.pop(dbname, None)
        self._snapshots.pop(dbname, None)

    def compare(self, left: str, right: str) -> Comparison:
        """What differs between databases `left` and `right`, by both judges."""
        self.inspect(left, right)
        verdict = judge.compare(self.snapshot(left), self.snapshot(right))
        return Comparison(
            migra=diff.statements(self.model(left), self.model(right)),
            catalog=[str(d) for d in verdict.differences],
            rows=self.compare_rows(left, right),
            notes=list(verdict.notes),
        )

    def inspect(self, *dbnames: str) -> None:
        """Take (and keep) both judges' views of each database: catalog snapshots in a
        thread while migra inspects here, as both mostly wait on Postgres. A snapshot
        that fails in the thread is retried (and raises) on use."""
        pending = [d for d in dbnames if d not in self._snapshots]
        workers = [threading.Thread(target=self._snapshot_quietly, args=(d,)) for d in pending]
        for worker in workers:
            worker.start()
        try:
            for dbname in dbnames:
                self.model(dbname)
        finally:
            for worker in workers:
                worker.join()

    def _snapshot_quietly(self, dbname: str) -> None:
        with contextlib.suppress(Exception):
            self.snapshot(dbname)

    def compare_rows(self, left: str, right: str) -> list[str]:
        if not self.reference_tables:
            return []
        with self.connected(left) as a, self.connected(right) as b:
            return data.compare_rows(a, b, self.reference_tables, labels=(left, right))

    @contextlib.contextmanager
    def connected(self, dbname: str) -> Iterator:
        conn = self.server.connect(dbname)
        try:
            yield conn
        finally:
            conn.close()


def make_judge(server: Server, scope: Scope, schema: SqlFile,
               configured: dict[str, tuple[str, ...]], desired: str) -> Judge:
    """A judge that also compares the reference data `schema` declares."""
    judge = Judge(server, scope)
    judge.declare_reference_data(schema, configured, desired)
    return judge
