"""Databases inside a scratch server: cloned from a template, dropped when done."""

from __future__ import annotations

import contextlib
import itertools
import time

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from ..errors import NoPostgresError
from .server import Server, out_of_resources

# Roles are shared by a server's databases: two shim loads at once can collide on them.
_RACES = (psycopg2.errors.UniqueViolation, psycopg2.errors.InternalError_,
          psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure)
_SHIM_ATTEMPTS = 5


def _drop(name: str) -> sql.Composable:
    # FORCE: a connection left open by a failed step must not keep the database alive.
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


class Databases:
    """Creates and drops this run's databases; never touches any other."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._created: list[str] = []
        self._counter = itertools.count(1)

    def _admin(self, statement: sql.Composable) -> None:
        conn = self.server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        except psycopg2.Error as exc:
            if resources := out_of_resources(exc):
                raise resources from None
            raise
        finally:
            conn.close()

    def base(self) -> str:
        """A database holding the platform shim, to clone from; built here on `url`/`docker`."""
        if self.server.base_db is None:
            self.server.base_db = self._with_shim("base")
        return self.server.base_db

    def shimmed(self, label: str) -> str:
        """A new database holding the platform shim: a clone of the base when the server has
        one (cluster backends), else made from template0 and loaded here, so two threads
        can each make one at once without a base built first (0.03 s sooner on `url`)."""
        if self.server.base_db is not None:
            return self.create(label)
        return self._with_shim(label)

    def _with_shim(self, label: str) -> str:
        name = self.create(label, template="template0")
        attempt = 1
        while True:
            conn = self.server.connect(name, autocommit=False)
            try:
                with conn, conn.cursor() as cur:
                    if self.server.backend.shared_server:
                        # The platform SQL then gives no existing role a membership.
                        cur.execute("SET LOCAL schemadiff.shared_server = 'on'")
                    if self.server.platform.sql:
                        cur.execute(self.server.platform.sql)
                return name
            except _RACES as exc:
                # Another run (or thread) creating the same roles at this very moment.
                if attempt == _SHIM_ATTEMPTS:
                    raise self._shim_failed(exc) from None
            except psycopg2.Error as exc:
                raise self._shim_failed(exc) from None
            finally:
                conn.close()
            time.sleep(0.02 * attempt)
            attempt += 1

    def _shim_failed(self, exc: psycopg2.Error) -> NoPostgresError:
        return NoPostgresError(
            f"loading the Supabase platform shim into {self.server.describe()} failed: "
            f"{str(exc).strip()}"
        )

    def create(self, label: str, template: str | None = None) -> str:
        """A new database cloned from `template` (default: the shim-loaded base)."""
        template = template or self.base()
        name = f"{self.server.db_prefix}{label}_{next(self._counter)}"
        # Recorded first: an interrupt that lands once the server has created it, before
        # this returns, must still find the name to drop (drops are IF EXISTS).
        self._created.append(name)
        try:
            self._admin(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        except psycopg2.Error:
            self._created.remove(name)
            raise
        return name

    def drop(self, name: str) -> None:
        if name not in self._created:
            raise ValueError(f"refusing to drop {name!r}: not created by this run")
        self._admin(_drop(name))
        self._created.remove(name)

    def drop_all(self) -> None:
        """Drop every database this run made (one connection for all), best effort.

        Also any other database with this run's prefix: one whose CREATE was cut short by
        an interrupt may exist on the server without the run having seen it succeed.
        """
        with contextlib.suppress(psycopg2.Error):
            conn = self.server.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                                (self.server.db_prefix,))
                    stray = [row[0] for row in cur.fetchall() if row[0] not in self._created]
                    for name in [*stray, *reversed(list(self._created))]:
                        with contextlib.suppress(psycopg2.Error):
                            cur.execute(_drop(name))
                            if name in self._created:
                                self._created.remove(name)
            finally:
                conn.close()
        if self.server.base_db and self.server.base_db.startswith(self.server.db_prefix):
            self.server.base_db = None
