"""Scratch Postgres: one server per command, from the first backend that starts.

`backends.py` holds the registry (`auto` tries url when SCHEMADIFF_DATABASE_URL is set,
then local, embedded, docker); `cluster.py`, `golden.py` and `process.py` run servers
from binaries, from a cache (`cache.py`); `databases.py` is the janitor of a server's
databases; `leftovers.py` reaps what killed runs left.
"""

from __future__ import annotations

from .backends import NAMES, scratch_server, start
from .cluster import Seed
from .databases import Databases
from .server import Backend, Server

__all__ = ["NAMES", "Backend", "Databases", "Seed", "Server", "scratch_server", "start"]
