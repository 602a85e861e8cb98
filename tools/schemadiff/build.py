"""Build the databases a run compares: the replayed migrations and schema.sql.

`build_both` builds them at the same time (the work is in Postgres, and psycopg2
releases the GIL while it waits). `replay_seed` names the replayed migrations as a
`Seed`, so the cluster backends can cache them: a later run with the same migration
files starts with them already replayed and only clones that database.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from . import apply as apply_module
from . import sources as sources_module
from .apply import apply_to
from .errors import SQLInputError
from .migrations import Migration
from .platform import STANDIN_COMMENT, Platform
from .progress import Steps
from .scratch import Databases, Seed, Server, scratch_server
from .sources import SqlFile, read_sql, split_statements

# Bump when replaying changes meaning (it is part of every cached replay's key).
REPLAY_FORMAT = "1"
SEED_PREFIX = "schemadiff_replay_"

Built = Callable[[str], object]


@contextlib.contextmanager
def workspace(backend: str, major: int, steps: Steps, seed: Seed | None = None,
              platform: Platform | None = None, extensions: frozenset[str] = frozenset(),
              ) -> Iterator[tuple[Server, Databases]]:
    """A scratch server for one command, started as a timed step and stopped on any exit;
    `extensions` (those the project creates) steer `--backend auto` to a server with them."""
    # The ExitStack owns the server from the instant it starts: a Ctrl-C right after
    # start still stops it.
    with contextlib.ExitStack() as stack:
        with steps.step(f"starting Postgres ({backend})"):
            server, databases = stack.enter_context(
                scratch_server(backend, major=major, progress=steps.note, seed=seed,
                               platform=platform, extensions=extensions))
        yield server, databases


def apply_into(server: Server, dbname: str, path: Path) -> None:
    """Apply one SQL file to `dbname` in one transaction."""
    apply_to(server, dbname, read_sql(path))


@dataclass(frozen=True)
class Setup:
    """What a project's databases hold besides its migrations and schema.sql.

    `project_sql`: the project's `platform_sql` files, objects that exist in production
    but in no migration, applied after the platform and before anything else (never
    diffed: both sides have them). `legacy_grants_until`: the migrations up to that
    version ran when Supabase's default privileges still gave the API roles ALL on new
    objects in public; those objects kept their grants when the default changed.
    """

    project_sql: tuple[SqlFile, ...] = ()
    legacy_grants_until: str | None = None


# Migrations and schema.sql alone, on today's platform.
NO_SETUP = Setup()


def platform_steps(server: Server, migrations: list[Migration],
                   setup: Setup) -> dict[int, list[SqlFile]]:
    """SQL that ran besides the migrations, by the index of the migration it precedes
    (len(migrations): after the last): the project's platform SQL, and the platform's
    change of default privileges."""
    steps: dict[int, list[SqlFile]] = {0: list(setup.project_sql)}
    platform = server.platform
    until = setup.legacy_grants_until
    switch = next((i for i, m in enumerate(migrations) if until is not None and m.version > until),
                  len(migrations))
    if until is not None and platform.legacy_grants and switch > 0:
        steps[0].append(SqlFile(Path("platform: legacy default privileges"),
                                platform.legacy_grants))
        steps.setdefault(switch, []).append(SqlFile(Path("platform: current default privileges"),
                                                    platform.current_grants))
    return steps


def replay_into(server: Server, dbname: str, migrations: list[Migration],
                setup: Setup = NO_SETUP) -> None:
    """Apply `migrations` to `dbname` in version order, each in its own transaction, with
    the platform's own changes between them (see `platform_steps`)."""
    steps = platform_steps(server, migrations, setup)
    for index, migration in enumerate(migrations):
        for source in steps.get(index, ()):
            apply_to(server, dbname, source)
        apply_into(server, dbname, migration.path)
    for source in steps.get(len(migrations), ()):
        apply_to(server, dbname, source)


def replay_key(migrations: list[Migration], setup: Setup = NO_SETUP) -> str:
    """sha256 of everything a replay's result depends on besides the server and shim.

    That is every migration's file name and bytes, in order, and the code that reads and
    applies them (this module, sources.py, apply.py, and the schemadiff version). The
    cluster cache adds the server binaries and the shim, so equal keys mean the same
    inputs, replayed the same way: a cached replay is the state a fresh one would build.
    """
    digest = hashlib.sha256()
    for part in (REPLAY_FORMAT.encode(), __version__.encode(),
                 (setup.legacy_grants_until or "").encode(),
                 *(f"{s.path.name}\0{s.text}".encode() for s in setup.project_sql),
                 Path(__file__).read_bytes(), Path(apply_module.__file__).read_bytes(),
                 Path(sources_module.__file__).read_bytes()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    for migration in migrations:
        for part in (migration.path.name.encode(), migration.path.read_bytes()):
            # Length-prefixed, so no two different file lists hash the same stream.
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def replay_seed(migrations: list[Migration], setup: Setup = NO_SETUP) -> Seed | None:
    """The replayed `migrations` as a cacheable seed database; None when there are none."""
    if not migrations:
        return None  # an empty replay is the shim base itself: nothing to cache
    key = replay_key(migrations, setup)

    def fill(server: Server, dbname: str) -> None:
        replay_into(server, dbname, migrations, setup)

    return Seed(dbname=SEED_PREFIX + key[:24], key=key, fill=fill)


def standins_in(server: Server, dbname: str) -> list[str]:
    """The extensions of `dbname` that are stand-ins, not the real ones (for progress)."""
    rows = server.query(dbname, "SELECT extname FROM pg_extension WHERE starts_with("
                        "coalesce(obj_description(oid, 'pg_extension'), ''), %s) ORDER BY 1",
                        (STANDIN_COMMENT,))
    return [name for (name,) in rows]


def has_database(server: Server, dbname: str) -> bool:
    """Whether the server holds database `dbname`."""
    return bool(server.query(None, "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)))


def replay(server: Server, databases: Databases, migrations: list[Migration],
           template: str | None = None, seed: Seed | None = None,
           setup: Setup = NO_SETUP) -> str:
    """A database holding every migration applied in version order, each in its own transaction.

    With `seed` (from `replay_seed(migrations)`) and the server holding its database, that
    cached replay is cloned instead of replaying again.
    """
    if (seed is not None and template is None and server.backend.caches_seeds
            and has_database(server, seed.dbname)):
        return databases.create("current", template=seed.dbname)
    if template is not None:
        dbname = databases.create("current", template=template)
    else:
        dbname = databases.shimmed("current")
    replay_into(server, dbname, migrations, setup)
    return dbname


def require_statements(schema: SqlFile) -> None:
    """Refuse a schema.sql without a statement: it would read as 'drop everything'."""
    if not split_statements(schema):
        raise SQLInputError(
            f"{schema.path}: holds no SQL statement. Refusing to read that as 'drop everything'.",
            detail="Declare your schema in it, or restore it from version control.",
        )


def desired(server: Server, databases: Databases, schema: SqlFile,
            setup: Setup = NO_SETUP) -> str:
    """A database holding the project's platform SQL, then schema.sql; an empty schema.sql
    is refused."""
    require_statements(schema)
    dbname = databases.shimmed("desired")
    for source in setup.project_sql:
        apply_to(server, dbname, source)
    apply_to(server, dbname, schema)
    return dbname


class _Worker(threading.Thread):
    """Runs one build; keeps its result or its exception for the caller to collect."""

    def __init__(self, label: str, build: Callable[[], str], then: Built | None) -> None:
        # Daemon: on Ctrl-C the caller stops the server, which ends the build's queries.
        super().__init__(name=f"schemadiff-build-{label}", daemon=True)
        self.build, self.then = build, then
        self.result: str | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.build()
            if self.then is not None:
                self.then(self.result)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
            self.error = exc


def build_both(server: Server, databases: Databases, migrations: list[Migration],
               schema: SqlFile, *, seed: Seed | None = None,
               then: Built | None = None, then_current: Built | None = None,
               setup: Setup = NO_SETUP) -> tuple[str, str]:
    """(current, desired): the replayed migrations and schema.sql, built at the same time.

    `then(dbname)` runs in the building thread as soon as each database is built (e.g. a
    Judge's `model`, so one database is inspected while the other is still being built);
    `then_current(current)` after it, in current's thread, only while desired is still
    being built (work that is free then, e.g. a spare clone). When both fail, the
    migrations' error is raised: history is the older problem.
    """
    require_statements(schema)  # refuse an empty schema.sql before starting any work
    desired_done = threading.Event()

    def then_for_current(dbname: str) -> None:
        if then is not None:
            then(dbname)
        if then_current is not None and not desired_done.is_set():
            then_current(dbname)

    def then_for_desired(dbname: str) -> None:
        if then is not None:
            then(dbname)
        desired_done.set()

    workers = [
        _Worker("current", lambda: replay(server, databases, migrations, seed=seed,
                                  setup=setup),
                then_for_current),
        _Worker("desired", lambda: desired(server, databases, schema, setup), then_for_desired),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    current, wanted = (worker.result for worker in workers)
    assert current is not None and wanted is not None
    return current, wanted

