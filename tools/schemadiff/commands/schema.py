"""The verbs that describe a schema: access, pull, drift, erd."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import build, migrations
from ..adopt import erd as adopt_erd
from ..adopt import live as adopt_live
from ..adopt import pull as adopt_pull
from ..config import Config
from ..diff.plan import make_plans
from ..errors import UsageError
from ..inspect.views import Views
from ..lock import repo_lock
from ..progress import Steps
from ..review import access as access_model
from ..review import widening
from ..sources import read_schema, read_sql
from .changes import DiffResult, diff
from .workspace import (
    access_model_of,
    history_of,
    scope_of,
    setup_of,
    workspace,
)


@dataclass
class AccessResult:
    """The access model of schema.sql; with `changes`, also what differs from the history."""

    model: access_model.AccessModel
    changes: list[widening.Change] | None = None


def access(config: Config, *, changes: bool = False, backend: str = "auto",
           steps: Steps | None = None) -> AccessResult:
    """Who can read and write what in schema.sql; with `changes`, what differs from the
    state the migrations build."""
    steps = steps or Steps()
    schema = read_schema(config.schema_file)
    if not changes:
        with workspace(config, backend, steps) as (server, databases):
            with steps.step(f"applying {config.schema_file.name}"):
                desired = build.desired(server, databases, schema, setup_of(config))
            return AccessResult(access_model_of(config, server, desired))
    history = history_of(config)
    setup = setup_of(config)
    seed = build.replay_seed(history, setup)
    with workspace(config, backend, steps, seed) as (server, databases):
        with steps.step(f"building {len(history)} migration(s) and {config.schema_file.name}"):
            current, desired = build.build_both(
                server, databases, history, schema, seed=seed, setup=setup)
        after = access_model_of(config, server, desired)
        before = access_model_of(config, server, current)
        return AccessResult(after, widening.compare(before, after))


@dataclass
class PullResult:
    """What `pull` wrote: schema.sql (and, from a live database, a baseline migration)."""

    schema_file: Path
    tables: list[str]
    statements: int
    reference_tables: list[str]
    baseline: DiffResult | None = None


def _pull_title(config: Config, origin: str) -> list[str]:
    schema = config.schema_file.relative_to(config.root).as_posix()
    return [
        f"The desired state of the managed schemas ({', '.join(config.schemas)}): {schema}.",
        "",
        f"Written by `schemadiff pull` from {origin}.",
        "Proven: applied to an empty project, it gives a database equal to that one.",
        "Edit it by hand from now on; `nox -s diff -- NAME` turns each edit into a",
        "migration and its rollback.",
    ]


def pull(config: Config, *, db_url: str | None = None, force: bool = False,
         backend: str = "auto", steps: Steps | None = None) -> PullResult:
    """Write schema.sql from the migrations, or from a live database plus a baseline
    migration that brings the migrations to it."""
    steps = steps or Steps()
    target = config.schema_file
    if target.is_dir():  # a schema directory (supabase/schemas/): pull writes one file in it
        others = sorted(p.name for p in target.glob("*.sql") if p.name != "schema.sql")
        if others:
            raise UsageError(f"{target}/: holds {', '.join(others)}; pull writes one file "
                             "and would declare their objects twice.",
                             detail="Move them away first (pull then writes schema.sql there).")
        target = target / "schema.sql"
    if target.exists() and not force:
        raise UsageError(f"{target}: exists already; pull does not overwrite it.",
                         detail="Move it away, or pass --force to replace it.")
    # A schema.sql being replaced still says which tables hold reference rows.
    declarations = read_sql(target) if target.is_file() else None
    with repo_lock(config.root, "pull"):
        history = history_of(config)
        setup = setup_of(config)
        seed = build.replay_seed(history, setup)
        with workspace(config, backend, steps, seed) as (server, databases):
            views = Views(server, scope_of(config))
            if db_url is not None:
                origin = "a live database"
                with steps.step("copying the live database"):
                    source = adopt_live.copy_live(db_url, views, databases, setup,
                                                  config.reference_tables, declarations)
            else:
                origin = f"the {len(history)} migration(s) in " + \
                    config.migrations_dir.relative_to(config.root).as_posix()
                with steps.step(f"replaying {len(history)} migration(s)"):
                    source = build.replay(server, databases, history, seed=seed, setup=setup)
            with steps.step(f"writing and proving {target.name}"):
                pulled = adopt_pull.pull(views, databases, source, setup,
                                         config.reference_tables, path=target,
                                         title=_pull_title(config, origin),
                                         declarations=declarations)
        migrations.atomic_write_all({target: pulled.text})
    result = PullResult(target, pulled.tables, pulled.statements, pulled.reference_tables)
    if db_url is not None:
        # The live database is ahead of (or beside) the migrations: a baseline brings the
        # history to it, proven like any migration, so `check` passes.
        result.baseline = diff(config, "baseline", backend=backend, steps=steps)
    return result


@dataclass
class DriftResult:
    """What a live database has that the migrations do not give: the SQL from one to the other."""

    differences: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.differences


def drift(config: Config, db_url: str, *, backend: str = "auto",
          steps: Steps | None = None) -> DriftResult:
    """Whether a live database matches the migrations in the managed scope; the SQL that
    takes the migrations' state to the live one when not."""
    steps = steps or Steps()
    history = history_of(config)
    setup = setup_of(config)
    seed = build.replay_seed(history, setup)
    declarations = read_schema(config.schema_file) if config.schema_file.exists() else None
    with workspace(config, backend, steps, seed) as (server, databases):
        views = Views(server, scope_of(config))
        with steps.step(f"replaying {len(history)} migration(s)"):
            current = build.replay(server, databases, history, seed=seed, setup=setup)
        with steps.step("copying the live database"):
            live = adopt_live.copy_live(db_url, views, databases, setup,
                                        config.reference_tables, declarations)
        with steps.step("diffing"):
            reference = adopt_pull.configured_reference(views, live, config.reference_tables,
                                                        declarations)
            plans = make_plans(views, current, live, reference, rollback=False)
    return DriftResult(plans[-1].up_statements())


def erd(config: Config, *, all_columns: bool = False, backend: str = "auto",
        steps: Steps | None = None) -> str:
    """A Mermaid ER diagram of schema.sql: tables, key columns (or all), foreign keys."""
    steps = steps or Steps()
    schema = read_schema(config.schema_file)
    with workspace(config, backend, steps) as (server, databases):
        with steps.step(f"applying {config.schema_file.name}"):
            desired = build.desired(server, databases, schema, setup_of(config))
        conn = server.connect(desired)
        try:
            return adopt_erd.diagram(conn, scope_of(config), all_columns=all_columns)
        finally:
            conn.close()
