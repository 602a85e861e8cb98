"""Both views of each database of one server, taken once and kept until it changes.

The diff stage plans from these views and the proof compares them; both read them from
here, so a database built once is inspected once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from ..scratch import Server
from . import catalog, migra
from .scope import Scope


class Views:
    """migra's model and the catalog snapshot of databases of one server, under one scope."""

    def __init__(self, server: Server, scope: Scope) -> None:
        self.server = server
        self.scope = scope
        self._models: dict[str, object] = {}
        self._snapshots: dict[str, object] = {}

    def model(self, dbname: str):
        """migra's (schemainspect's) model of a database."""
        if dbname not in self._models:
            self._models[dbname] = migra.inspect(lambda: self.server.connect(dbname), self.scope)
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

    def inspect(self, *dbnames: str) -> None:
        """Take (and keep) both views of each database: catalog snapshots in a thread while
        migra inspects here, as both mostly wait on Postgres. A snapshot that fails in the
        thread is retried (and raises) on use."""
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

    @contextlib.contextmanager
    def connected(self, dbname: str) -> Iterator:
        """A connection to `dbname`, closed after the block."""
        conn = self.server.connect(dbname)
        try:
            yield conn
        finally:
            conn.close()
