"""What every command does first: the scratch server, the project's setup, the two
databases and their views, and the candidate plans between them."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from .. import build, migrations, platform
from .. import config as config_mod
from ..config import Config
from ..data.declared import ReferenceTable, declared_tables
from ..diff import renames
from ..diff.plan import Plan, make_plans
from ..inspect.migra import warm_up
from ..inspect.scope import Scope
from ..inspect.views import Views
from ..migrations.render import ALONE_LAST, RENAMES_FIRST
from ..progress import Steps
from ..proof.compare import compare_snapshots
from ..review import access as access_model
from ..review.unmodelled import refuse_unmodelled
from ..scratch import Databases, Server
from ..sources import SqlFile, read_sql


def seed_files(config: Config) -> list[SqlFile]:
    return [read_sql(path) for path in config.seed_files if path.is_file()]


_CREATE_EXTENSION = re.compile(
    r'\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[\w-]+)', re.IGNORECASE)


def extensions_created(config: Config) -> frozenset[str]:
    """The extensions the project's SQL creates (a cheap scan: it only steers `auto`)."""
    paths = [*sorted(config.migrations_dir.glob("*.sql")), *config.platform_sql]
    schema = config.schema_file
    paths += sorted(schema.glob("*.sql")) if schema.is_dir() else [schema]
    names: set[str] = set()
    for path in paths:
        text = _text_of(path)
        for match in _CREATE_EXTENSION.finditer(text):
            name = match[1]
            names.add(name[1:-1].replace('""', '"') if name.startswith('"') else name.lower())
    return frozenset(names)


def _text_of(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # reading it for real later says what is wrong


@contextlib.contextmanager
def workspace(config: Config, backend: str, steps: Steps,
               seed: build.Seed | None = None) -> Iterator[tuple[Server, Databases]]:
    warm_up()  # import migra while Postgres starts
    with build.workspace(backend, config.postgres_major, steps, seed,
                         platform.named(config.platform),
                         extensions_created(config)) as (server, databases):
        yield server, databases


def setup_of(config: Config) -> build.Setup:
    """The project's platform SQL (read here, once per command) and grants history."""
    return build.Setup(tuple(read_sql(path) for path in config.platform_sql),
                       config.legacy_grants_until)


def scope_of(config: Config) -> Scope:
    return Scope(config.schemas, config.unmanaged)


def reference_tables_of(config: Config, schema: SqlFile, views: Views, desired: str,
                        not_tables: list[str] | None = None) -> list[ReferenceTable]:
    with views.connected(desired) as conn:
        return declared_tables(schema, config.reference_tables, views.scope, conn, not_tables)


def plan_candidates(schema: SqlFile, history: list[migrations.Migration], server: Server,
                databases: Databases, views: Views, reference: list[ReferenceTable],
                current: str, desired: str, *,
                rollback: bool = True) -> tuple[list[Plan], list[str]]:
    """Candidate plans from `current` (with the renames schema.sql declares) to `desired`,
    and the drop+add pairs that look like undeclared renames."""
    refuse_unmodelled(views.snapshot(current), views.snapshot(desired), schema,
                      lambda: [read_sql(m.path) for m in history])
    declared = renames.hints(schema)
    with renames.renamed_base(server, databases, current, desired, declared) as base:
        candidates = make_plans(views, base.dbname, desired, reference, rollback=rollback)
        suspects = renames.suspects(candidates[-1].up_statements(), server, base.dbname, desired)
        if base.dbname != current:  # a clone, dropped now; `current`'s views stay valid
            views.forget(base.dbname)
    for candidate in candidates:
        if base.up:
            candidate.up.insert(0, (RENAMES_FIRST, base.up))
            # Before the index builds that end the rollback (they run after its transaction).
            builds = len(candidate.down)
            while builds and candidate.down[builds - 1][0] == ALONE_LAST:
                builds -= 1
            candidate.down.insert(builds, ("Renames undone", base.down))
    return candidates, suspects


def build_both(config: Config, schema: SqlFile, server: Server, databases: Databases,
                history: list[migrations.Migration], steps: Steps, setup: build.Setup,
                seed: build.Seed | None, spares: list[str] | None = None,
                early: Callable[[str], None] | None = None,
                not_tables: list[str] | None = None,
                ) -> tuple[str, str, Views, list[ReferenceTable]]:
    """Both databases, built at the same time, each inspected as soon as it is built;
    INSERTs into views (not reference data) noted in `not_tables`.

    With `spares`, a clone of current for the proof is added to it when current is ready
    while schema.sql is still being applied (0.4 s off the critical path at 1000 tables).
    """
    views = Views(server, scope_of(config))

    def spare(current: str) -> None:
        if spares is not None:
            spares.append(databases.create("proof", template=current))
        if early is not None:  # e.g. the rehearsal's rows, filled in the background
            early(current)

    with steps.step(f"building {len(history)} migration(s) and {config.schema_file.name}"):
        current, desired = build.build_both(
            server, databases, history, schema, seed=seed,
            setup=setup,
            then=views.inspect, then_current=spare,
        )
    standins = sorted(set(build.standins_in(server, current) + build.standins_in(server, desired)))
    if standins:
        steps.note(f"stand-in extensions (SQL, not the real ones; this server lacks them): "
                   f"{', '.join(standins)}")
    require_schemas(config, server, (current, desired))
    return current, desired, views, reference_tables_of(config, schema, views, desired,
                                                        not_tables)


def judge_only_differences(views: Views, current: str, desired: str) -> list[str]:
    """What the catalog judge sees differ between the two databases. Asked when the plan is
    empty: a difference nothing generates must not pass as "no difference"."""
    verdict = compare_snapshots(views.snapshot(current), views.snapshot(desired))
    return [str(d) for d in verdict.differences]


def require_schemas(config: Config, server: Server, dbnames: tuple[str, ...]) -> None:
    present = {name for dbname in dbnames
               for (name,) in server.query(dbname, "SELECT nspname FROM pg_namespace")}
    config_mod.require_schemas(config, present)


def history_of(config: Config) -> list[migrations.Migration]:
    history = migrations.list_migrations(config.migrations_dir, config.rollbacks_dir)
    migrations.require_integrity(history, config.migrations_dir)
    return history


def access_model_of(config: Config, server: Server, dbname: str) -> access_model.AccessModel:
    conn = server.connect(dbname)
    try:
        return access_model.model(conn, config.api_roles, config.exposed_schemas)
    finally:
        conn.close()
