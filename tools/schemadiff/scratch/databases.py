"""Databases inside a scratch server: cloned from a template, dropped when done."""

from __future__ import annotations

import contextlib
import itertools

import psycopg2
from psycopg2 import sql

from ..errors import NoPostgresError
from .cluster import shim_sql
from .server import Server


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
        finally:
            conn.close()

    def base(self) -> str:
        """A database holding the platform shim, to clone from; built here on `url`/`docker`."""
        if self.server.base_db is None:
            name = self.create("base", template="template0")
            conn = self.server.connect(name, autocommit=False)
            try:
                with conn, conn.cursor() as cur:
                    cur.execute(shim_sql())
            except psycopg2.Error as exc:
                raise NoPostgresError(
                    f"loading the Supabase platform shim into {self.server.describe()} failed: "
                    f"{str(exc).strip()}"
                ) from None
            finally:
                conn.close()
            self.server.base_db = name
        return self.server.base_db

    def create(self, label: str, template: str | None = None) -> str:
        """A new database cloned from `template` (default: the shim-loaded base)."""
        template = template or self.base()
        name = f"{self.server.db_prefix}{label}_{next(self._counter)}"
        self._admin(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        self._created.append(name)
        return name

    def drop(self, name: str) -> None:
        if name not in self._created:
            raise ValueError(f"refusing to drop {name!r}: not created by this run")
        self._admin(_drop(name))
        self._created.remove(name)

    def drop_all(self) -> None:
        """Drop every database this run made (one connection for all), best effort."""
        with contextlib.suppress(psycopg2.Error):
            conn = self.server.connect()
            try:
                with conn.cursor() as cur:
                    for name in reversed(list(self._created)):
                        with contextlib.suppress(psycopg2.Error):
                            cur.execute(_drop(name))
                            self._created.remove(name)
            finally:
                conn.close()
        if self.server.base_db and self.server.base_db.startswith(self.server.db_prefix):
            self.server.base_db = None
