"""One function per CLI verb. Each returns data for the CLI to render; none prints."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import build, migrations, platform
from . import config as config_mod
from .adopt import erd as adopt_erd
from .adopt import live as adopt_live
from .adopt import pull as adopt_pull
from .apply import SqlFile, read_schema, read_sql, split_statements
from .config import Config
from .data.declared import ReferenceTable, declared_tables
from .data.rows import removal_notes
from .diff import backfill, classify, renames
from .diff.effects import declared_losses
from .diff.plan import Plan, make_plans
from .errors import UsageError, VerificationError
from .inspect.migra import warm_up
from .inspect.scope import Scope
from .inspect.views import Views
from .lock import repo_lock
from .progress import Steps
from .proof.compare import Judge, compare_snapshots
from .proof.rehearse import Preparation, Rehearsal, rehearse
from .proof.verify import HistoryReport, MigrationCheck, prove_first, verify_history
from .review import access as access_model
from .review import lint, widening
from .review.data_dependent import refuse_by_nature, refuse_failed_rehearsal
from .review.destructive import destructive_statements, refuse_destructive
from .review.lint import run as lint_run
from .review.unmodelled import refuse_unmodelled
from .scratch import Databases, Server


@dataclass
class DiffResult:
    """What `diff` did: files written (none when there was no difference)."""

    changed: bool
    migration: Path | None = None
    rollback: Path | None = None
    up_statements: list[str] = field(default_factory=list)
    down_statements: list[str] = field(default_factory=list)
    warnings: list[lint.Finding] = field(default_factory=list)  # lint, on the migration
    # Acknowledgements in schema.sql that do not count (review/widening.py), as text.
    access_problems: list[str] = field(default_factory=list)
    access: list[widening.Change] = field(default_factory=list)  # for the API roles
    rehearsal: Rehearsal | None = None
    lossy: tuple[str, ...] = ()  # what the rollback cannot give back
    data_warnings: list[str] = field(default_factory=list)  # from the rehearsal


def lossy(plan: Plan, backfills: list[backfill.Backfill] | None = None) -> tuple[str, ...]:
    """What the rollback of `plan` cannot give back: rows of what it drops, values the
    migration dropped, converted or backfilled."""
    return tuple([f"the rollback {reason}" for _, reason, _, _ in
                  declared_losses(plan.down_statements())]
                 + [f"the migration {reason}" for _, reason, _, _ in
                    declared_losses(plan.up_statements())]
                 + [f"the migration's backfill rewrites {b.table}.{b.column} (the rollback "
                    "keeps the new values)" for b in backfills or ()])


def own_losses(plan: Plan, backfills: list[backfill.Backfill] | None = None
               ) -> tuple[str, ...]:
    """What the rollback itself loses (its drops, backfilled values it keeps); the
    migration's own losses are named apart, as `losses`."""
    return tuple(loss for loss in lossy(plan, backfills)
                 if not loss.startswith("the migration "))


def _seed_files(config: Config) -> list[SqlFile]:
    return [read_sql(path) for path in config.seed_files if path.is_file()]


@dataclass
class CheckResult:
    """Whether the migrations reproduce schema.sql, and the SQL still pending if not."""

    pending: list[str] = field(default_factory=list)
    # What the catalog judge sees differ when no statement is pending: nothing generates it.
    unexplained: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.pending and not self.unexplained


@contextlib.contextmanager
def _workspace(config: Config, backend: str, steps: Steps,
               seed: build.Seed | None = None) -> Iterator[tuple[Server, Databases]]:
    warm_up()  # import migra while Postgres starts
    with build.workspace(backend, config.postgres_major, steps, seed,
                         platform.named(config.platform)) as (server, databases):
        yield server, databases


def _setup(config: Config) -> build.Setup:
    """The project's platform SQL (read here, once per command) and grants history."""
    return build.Setup(tuple(read_sql(path) for path in config.platform_sql),
                       config.legacy_grants_until)


def _scope(config: Config) -> Scope:
    return Scope(config.schemas, config.unmanaged)


def _reference_tables(config: Config, schema: SqlFile, views: Views,
                      desired: str) -> list[ReferenceTable]:
    with views.connected(desired) as conn:
        return declared_tables(schema, config.reference_tables, views.scope, conn)


def _candidates(schema: SqlFile, history: list[migrations.Migration], server: Server,
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
            candidate.up.insert(0, ("Renames declared in schema.sql", base.up))
            candidate.down.append(("Renames undone", base.down))
    return candidates, suspects


def _build_both(config: Config, schema: SqlFile, server: Server, databases: Databases,
                history: list[migrations.Migration], steps: Steps, setup: build.Setup,
                seed: build.Seed | None, spares: list[str] | None = None,
                early: Callable[[str], None] | None = None
                ) -> tuple[str, str, Views, list[ReferenceTable]]:
    """Both databases, built at the same time, each inspected as soon as it is built.

    With `spares`, a clone of current for the proof is added to it when current is ready
    while schema.sql is still being applied (0.4 s off the critical path at 1000 tables).
    """
    views = Views(server, _scope(config))

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
    _require_schemas(config, server, (current, desired))
    return current, desired, views, _reference_tables(config, schema, views, desired)


def _unexplained(views: Views, current: str, desired: str) -> list[str]:
    """What the catalog judge sees differ between the two databases. Asked when the plan is
    empty: a difference nothing generates must not pass as "no difference"."""
    verdict = compare_snapshots(views.snapshot(current), views.snapshot(desired))
    return [str(d) for d in verdict.differences]


def _require_schemas(config: Config, server: Server, dbnames: tuple[str, ...]) -> None:
    present: set[str] = set()
    for dbname in dbnames:
        conn = server.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT nspname FROM pg_namespace")
                present.update(row[0] for row in cur.fetchall())
        finally:
            conn.close()
    config_mod.require_schemas(config, present)


def _history(config: Config) -> list[migrations.Migration]:
    history = migrations.list_migrations(config.migrations_dir, config.rollbacks_dir)
    migrations.require_integrity(history, config.migrations_dir)
    return history


def diff(config: Config, name: str, *, version: str | None = None,
         allow_destructive: bool = False, allow_wider_access: bool = False,
         allow_data_dependent: bool = False,
         backend: str = "auto", steps: Steps | None = None) -> DiffResult:
    """Write the proven migration and rollback that turn the migrations into schema.sql."""
    steps = steps or Steps()
    migrations.check_name(name)
    with repo_lock(config.root, f"diff {name}"):
        history = _history(config)
        new = migrations.planned(history, config.migrations_dir, config.rollbacks_dir, name,
                                 version)
        schema = read_schema(config.schema_file)
        declared = backfill.hints(schema)  # a misplaced hint is an error, change or not
        setup = _setup(config)
        seed = build.replay_seed(history, setup)
        with _workspace(config, backend, steps, seed) as (server, databases):
            ahead: list[Preparation] = []
            try:
                return _diff(config, new, history, schema, declared, setup, seed,
                             server, databases, steps, ahead, allow_destructive,
                             allow_wider_access, allow_data_dependent)
            finally:
                for preparation in ahead:  # never left running past the server
                    preparation.join()


def _diff(config: Config, new: migrations.Migration,
          history: list[migrations.Migration], schema: SqlFile,
          declared: list[backfill.Backfill], setup: build.Setup, seed: build.Seed | None,
          server: Server, databases: Databases, steps: Steps, ahead: list[Preparation],
          allow_destructive: bool, allow_wider_access: bool,
          allow_data_dependent: bool) -> DiffResult:
    """`diff`, once the workspace is up: build, diff, review, prove, rehearse, write."""
    spares: list[str] = []

    def start_rehearsal(current: str) -> None:
        ahead.append(Preparation(server, databases, current, _scope(config),
                                 _seed_files(config)))
        ahead[-1].start()

    current, desired, views, reference = _build_both(
        config, schema, server, databases, history, steps, setup, seed, spares,
        start_rehearsal)
    with steps.step("diffing"):
        candidates, suspects = _candidates(schema, history, server, databases, views,
                                           reference, current, desired)
    plan = candidates[-1]
    if plan.empty:
        unexplained = _unexplained(views, current, desired)
        if unexplained:
            raise VerificationError(
                "migra sees no difference and no statement was generated, but the "
                "catalog judge sees differences; nothing was written.",
                detail="\n".join(f"    {d}" for d in unexplained)
                + "\nschemadiff cannot generate this change yet: write it by hand "
                  "in a new migration, or report it as a bug.")
        return DiffResult(changed=False)
    placed: list[backfill.Backfill] = []
    for candidate in candidates:
        candidate.up, placed = backfill.place(candidate.up, declared)
    if not allow_destructive:
        with views.connected(current) as conn:
            referenced = removal_notes(conn, reference) if reference else {}
        refuse_destructive(plan, suspects, referenced)
    with steps.step("reviewing access"):
        access_changes, ack_problems = widening.review(
            _access(config, server, current), _access(config, server, desired),
            schema, allow_wider=allow_wider_access)
    if not allow_data_dependent:
        refuse_by_nature(plan.up_statements(),
                         backfill.covered(plan.up_statements(), placed))

    def render(candidate: Plan) -> tuple[tuple[str, str], tuple[str, str]]:
        return migrations.render_pair(
            new, candidate.up, candidate.down, root=config.root,
            schema_file=config.schema_file,
            access=[c.render() for c in access_changes],
            settings=migrations.timeouts(config.lock_timeout, config.statement_timeout),
            losses=[f"{reason}: {classify.subject(statement)}" for statement, reason
                    in destructive_statements(candidate)],
            lossy=own_losses(candidate, placed))

    with steps.step("proving migration and rollback"):
        plan, up_text, down_text = prove_first(
            Judge(views, reference), databases, current, desired, candidates, render,
            spares[0] if spares else None
        )
    with steps.step("rehearsing on a copy holding rows"):
        rehearsal = rehearse(server, databases, current, _scope(config),
                             (f"{new.path.name} (rehearsal)", up_text),
                             (f"{new.rollback.name} (rehearsal)", down_text),
                             plan.up_statements(), plan.down_statements(),
                             _seed_files(config),
                             rewritten={(b.table, b.column) for b in placed},
                             prepared=ahead[0].result() if ahead else None)
    rehearsal_warnings: list[str] = []
    if not allow_data_dependent:
        rehearsal_warnings = refuse_failed_rehearsal(
            rehearsal, losses_allowed=allow_destructive)
    with steps.step("linting the migration"):
        findings = lint_run.lint_migration(
            server, desired, up_text, str(new.path.relative_to(config.root)), config,
            schema)
    lint.require_no_errors(findings)
    migrations.write_with_checksums(new, up_text, down_text, history)
    return DiffResult(changed=True, migration=new.path, rollback=new.rollback,
                      up_statements=plan.up_statements(),
                      down_statements=plan.down_statements(),
                      warnings=list(findings), access_problems=list(ack_problems),
                      access=access_changes, rehearsal=rehearsal, lossy=lossy(plan, placed),
                      data_warnings=rehearsal_warnings)


def regenerate_rollback(config: Config, target: str, *, allow_data_dependent: bool = False,
                        backend: str = "auto", steps: Steps | None = None) -> DiffResult:
    """Rewrite the rollback of released migration `target` (version or file stem), proven
    and rehearsed as `diff` does, and record its new checksum.

    Rollbacks are never applied by the Supabase CLI, so a released one may be replaced;
    its migration never is.
    """
    steps = steps or Steps()
    with repo_lock(config.root, f"rollback {target}"):
        history = _history(config)
        found = [i for i, m in enumerate(history) if target in (m.version, m.stem)]
        if not found:
            raise UsageError(f"no migration {target!r} in {config.migrations_dir}.",
                             detail="Name it by version (14 digits) or file name without .sql: "
                                    + ", ".join(m.stem for m in history[-3:]))
        index = found[0]
        migration = history[index]
        schema = read_sql(config.schema_file)
        setup = _setup(config)
        with _workspace(config, backend, steps) as (server, databases):
            with steps.step(f"replaying up to and through {migration.path.name}"):
                before = build.replay(server, databases, history[:index], setup=setup)
                after = build.replay(server, databases, [migration], template=before)
            views = Views(server, _scope(config))
            views.inspect(before, after)
            reference = _reference_tables(config, schema, views, after)
            with steps.step("diffing back"):
                candidates = make_plans(views, after, before, reference, rollback=False)
            released = read_sql(migration.path)
            up_text, up_label = released.text, str(migration.path.relative_to(config.root))
            up_statements = [st.text for st in split_statements(released)]

            def render(candidate: Plan) -> tuple[tuple[str, str], tuple[str, str]]:
                # The candidate's up is the way back; the migration is applied as released.
                back = Plan(up=[("", up_statements)], down=candidate.up)
                settings = migrations.timeouts(config.lock_timeout, config.statement_timeout)
                text = migrations.render(
                    f"Rollback of {migration.stem}",
                    [(migrations.TIMEOUTS, settings), *candidate.up] if settings else candidate.up,
                    migrations.header(
                        migration, "rollback", root=config.root,
                        schema_file=config.schema_file, lossy=own_losses(back),
                        losses=[f"{reason}: {classify.subject(statement)}"
                                for statement in up_statements
                                if (reason := classify.destructive_reason(statement))]))
                return ((up_label, up_text),
                        (f"{migration.rollback.relative_to(config.root)} (regenerated)", text))

            with steps.step("proving migration and rollback"):
                plan, _, down_text = prove_first(Judge(views, reference), databases, before,
                                                 after, candidates, render)
            with steps.step("rehearsing on a copy holding rows"):
                rehearsal = rehearse(server, databases, before, _scope(config),
                                     (up_label, up_text),
                                     (f"{migration.rollback.name} (rehearsal)", down_text),
                                     up_statements, plan.up_statements(),
                                     _seed_files(config))
            if not allow_data_dependent:
                refuse_failed_rehearsal(rehearsal)
        migrations.write_rollback(migration, down_text)
        back = Plan(up=[("", up_statements)], down=plan.up)
        return DiffResult(changed=True, migration=migration.path, rollback=migration.rollback,
                          down_statements=plan.up_statements(), rehearsal=rehearsal,
                          lossy=lossy(back))


def hash_migrations(config: Config) -> list[str]:
    """Record the checksums of every migration and rollback as they are now, on purpose."""
    with repo_lock(config.root, "hash"):
        history = migrations.list_migrations(config.migrations_dir, config.rollbacks_dir)
        return migrations.record_checksums(history, config.migrations_dir)


def check(config: Config, *, backend: str = "auto", steps: Steps | None = None) -> CheckResult:
    """Whether replaying the migrations yields schema.sql; the pending SQL when not."""
    steps = steps or Steps()
    history = _history(config)
    schema = read_schema(config.schema_file)
    setup = _setup(config)
    seed = build.replay_seed(history, setup)
    with _workspace(config, backend, steps, seed) as (server, databases):
        current, desired, views, reference = _build_both(config, schema, server, databases,
                                                         history, steps, setup, seed)
        with steps.step("diffing"):
            candidates, _ = _candidates(schema, history, server, databases, views, reference,
                                        current, desired, rollback=False)
            pending = candidates[-1].up_statements()
            unexplained = [] if pending else _unexplained(views, current, desired)
    return CheckResult(pending=pending, unexplained=unexplained)


def verify(config: Config, *, backend: str = "auto", steps: Steps | None = None,
           on_migration: Callable[[MigrationCheck], None] | None = None) -> HistoryReport:
    """Every migration up, down, up again; the end state equal to schema.sql."""
    steps = steps or Steps()
    history = _history(config)
    schema = read_schema(config.schema_file)
    setup = _setup(config)
    with _workspace(config, backend, steps) as (server, databases):
        with steps.step(f"applying {config.schema_file.name}"):
            desired = build.desired(server, databases, schema, setup)
        views = Views(server, _scope(config))
        judge = Judge(views, _reference_tables(config, schema, views, desired))
        with steps.step(f"verifying {len(history)} migration(s)"):
            return verify_history(judge, databases, history, desired, on_migration,
                                  setup=setup)


@dataclass
class AccessResult:
    """The access model of schema.sql; with `changes`, also what differs from the history."""

    model: access_model.AccessModel
    changes: list[widening.Change] | None = None


def _access(config: Config, server: Server, dbname: str) -> access_model.AccessModel:
    conn = server.connect(dbname)
    try:
        return access_model.model(conn, config.api_roles, config.exposed_schemas)
    finally:
        conn.close()


def access(config: Config, *, changes: bool = False, backend: str = "auto",
           steps: Steps | None = None) -> AccessResult:
    """Who can read and write what in schema.sql; with `changes`, what differs from the
    state the migrations build."""
    steps = steps or Steps()
    schema = read_schema(config.schema_file)
    if not changes:
        with _workspace(config, backend, steps) as (server, databases):
            with steps.step(f"applying {config.schema_file.name}"):
                desired = build.desired(server, databases, schema, _setup(config))
            return AccessResult(_access(config, server, desired))
    history = _history(config)
    setup = _setup(config)
    seed = build.replay_seed(history, setup)
    with _workspace(config, backend, steps, seed) as (server, databases):
        with steps.step(f"building {len(history)} migration(s) and {config.schema_file.name}"):
            current, desired = build.build_both(
                server, databases, history, schema, seed=seed, setup=setup)
        after = _access(config, server, desired)
        return AccessResult(after, widening.compare(_access(config, server, current), after))


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
        history = _history(config)
        setup = _setup(config)
        seed = build.replay_seed(history, setup)
        with _workspace(config, backend, steps, seed) as (server, databases):
            views = Views(server, _scope(config))
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
    history = _history(config)
    setup = _setup(config)
    seed = build.replay_seed(history, setup)
    declarations = read_schema(config.schema_file) if config.schema_file.exists() else None
    with _workspace(config, backend, steps, seed) as (server, databases):
        views = Views(server, _scope(config))
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
    with _workspace(config, backend, steps) as (server, databases):
        with steps.step(f"applying {config.schema_file.name}"):
            desired = build.desired(server, databases, schema, _setup(config))
        conn = server.connect(desired)
        try:
            return adopt_erd.diagram(conn, _scope(config), all_columns=all_columns)
        finally:
            conn.close()
