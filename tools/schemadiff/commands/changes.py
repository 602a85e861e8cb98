"""The verbs of the migration loop: diff, rollback, hash, check, verify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import build, migrations
from ..config import Config
from ..data.rows import removal_notes
from ..diff import backfill, classify
from ..diff.conversions import TypeChanges, type_changes
from ..diff.effects import declared_losses, type_changed
from ..diff.plan import Plan, make_plans
from ..errors import UsageError, VerificationError
from ..inspect.views import Views
from ..lock import repo_lock
from ..progress import Steps
from ..proof.compare import Judge
from ..proof.rehearse import Preparation, Rehearsal, rehearse
from ..proof.verify import HistoryReport, MigrationCheck, prove_first, verify_history
from ..review import data_acks, lint, widening
from ..review.data_dependent import (
    refuse_by_nature,
    refuse_failed_rehearsal,
    released_on_rows,
    stale_acks,
)
from ..review.destructive import destructive_statements, refuse_destructive
from ..review.lint import run as lint_run
from ..scratch import Databases, Server
from ..sources import SqlFile, read_schema, read_sql, split_statements
from .workspace import (
    access_model_of,
    build_both,
    history_of,
    judge_only_differences,
    plan_candidates,
    reference_tables_of,
    scope_of,
    seed_files,
    setup_of,
    workspace,
)


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
    # Data-dependent statements let through, each with who let it through.
    acknowledged: list[str] = field(default_factory=list)
    lossy: tuple[str, ...] = ()  # what the rollback cannot give back
    data_warnings: list[str] = field(default_factory=list)  # from the rehearsal
    # What the user should know that is no lint finding (e.g. why there is no rollback).
    notes: list[str] = field(default_factory=list)


def lossy(plan: Plan, backfills: list[backfill.Backfill] | None = None,
          conversions: TypeChanges | None = None) -> tuple[str, ...]:
    """What the rollback of `plan` cannot give back: rows of what it drops, values the
    migration dropped, converted (unless exactly, `conversions`) or backfilled."""
    conversions = conversions or TypeChanges()
    return tuple([f"the rollback {reason}" for _, reason, _, _ in
                  declared_losses(plan.down_statements(), conversions.down)]
                 + [f"the migration {reason}" for _, reason, _, _ in
                    declared_losses(plan.up_statements(), conversions.up)]
                 + [f"the migration's backfill rewrites {b.table}.{b.column} (the rollback "
                    "keeps the new values)" for b in backfills or ()])


def own_losses(plan: Plan, backfills: list[backfill.Backfill] | None = None,
               conversions: TypeChanges | None = None) -> tuple[str, ...]:
    """What the rollback itself loses (its drops, backfilled values it keeps); the
    migration's own losses are named apart, as `losses`."""
    return tuple(loss for loss in lossy(plan, backfills, conversions)
                 if not loss.startswith("the migration "))


@dataclass
class CheckResult:
    """Whether the migrations reproduce schema.sql, and the SQL still pending if not."""

    pending: list[str] = field(default_factory=list)
    # What the catalog judge sees differ when no statement is pending: nothing generates it.
    unexplained: list[str] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.pending and not self.unexplained


def diff(config: Config, name: str, *, version: str | None = None,
         allow_destructive: bool = False, allow_wider_access: bool = False,
         allow_data_dependent: bool = False,
         backend: str = "auto", steps: Steps | None = None) -> DiffResult:
    """Write the proven migration and rollback that turn the migrations into schema.sql."""
    steps = steps or Steps()
    migrations.check_name(name)
    with repo_lock(config.root, f"diff {name}"):
        history = history_of(config)
        new = migrations.planned(history, config.migrations_dir, config.rollbacks_dir, name,
                                 version)
        schema = read_schema(config.schema_file)
        declared = backfill.hints(schema)  # a misplaced hint is an error, change or not
        acks = data_acks.hints(schema)
        setup = setup_of(config)
        seed = build.replay_seed(history, setup)
        with workspace(config, backend, steps, seed) as (server, databases):
            ahead: list[Preparation] = []
            try:
                return _diff(config, new, history, schema, declared, acks, setup, seed,
                             server, databases, steps, ahead, allow_destructive,
                             allow_wider_access, allow_data_dependent)
            finally:
                for preparation in ahead:  # never left running past the server
                    preparation.join()


def _diff(config: Config, new: migrations.Migration,
          history: list[migrations.Migration], schema: SqlFile,
          declared: list[backfill.Backfill], acks: list[data_acks.TableAck],
          setup: build.Setup, seed: build.Seed | None,
          server: Server, databases: Databases, steps: Steps, ahead: list[Preparation],
          allow_destructive: bool, allow_wider_access: bool,
          allow_data_dependent: bool) -> DiffResult:
    """`diff`, once the workspace is up: build, diff, review, prove, rehearse, write."""
    spares: list[str] = []

    # A table acknowledged as holding no rows that matter gets no sample rows.
    left_empty = {a.table: f"acknowledged: {a.label}" for a in acks}

    def start_rehearsal(current: str) -> None:
        ahead.append(Preparation(server, databases, current, scope_of(config),
                                 seed_files(config), left_empty))
        ahead[-1].start()

    notes: list[str] = []
    current, desired, views, reference = build_both(
        config, schema, server, databases, history, steps, setup, seed, spares,
        start_rehearsal, notes)
    with steps.step("diffing"):
        candidates, suspects = plan_candidates(schema, history, server, databases, views,
                                           reference, current, desired)
    plan = candidates[-1]
    if plan.empty:
        unexplained = judge_only_differences(views, current, desired)
        if unexplained:
            raise VerificationError(
                "migra sees no difference and no statement was generated, but the "
                "catalog judge sees differences; nothing was written.",
                detail="\n".join(f"    {d}" for d in unexplained)
                + "\nschemadiff cannot generate this change yet: write it by hand "
                  "in a new migration, or report it as a bug.")
        return DiffResult(changed=False, notes=notes)
    placed: list[backfill.Backfill] = []
    for candidate in candidates:
        candidate.up, placed = backfill.place(candidate.up, declared)
    types = type_changes(server, current, desired, {
        column for candidate in candidates for column in type_changed(candidate.up_statements())})
    if not allow_destructive:
        with views.connected(current) as conn:
            referenced = removal_notes(conn, reference) if reference else {}
        refuse_destructive(plan, suspects, referenced, types.up)
    with steps.step("reviewing access"):
        access_changes, ack_problems = widening.review(
            access_model_of(config, server, current), access_model_of(config, server, desired),
            schema, allow_wider=allow_wider_access)
    acknowledged = refuse_by_nature(
        plan.up_statements(), backfill.covered(plan.up_statements(), placed),
        conversions=types.up, acks=acks, allow_all=allow_data_dependent)
    notes += stale_acks(acks, plan.up_statements(), types.up)

    def render(candidate: Plan) -> tuple[tuple[str, str], tuple[str, str]]:
        return migrations.render_pair(
            new, candidate.up, candidate.down, root=config.root,
            schema_file=config.schema_file,
            access=[c.render() for c in access_changes],
            settings=migrations.timeouts(config.lock_timeout, config.statement_timeout),
            losses=[f"{reason}: {classify.subject(statement)}" for statement, reason
                    in destructive_statements(candidate, types.up)],
            lossy=own_losses(candidate, placed, types), irreversible=candidate.irreversible,
            acknowledged=[a.render() for a in acknowledged])

    with steps.step("proving migration and rollback"):
        plan, up_text, down_text = prove_first(
            Judge(views, reference), databases, current, desired, candidates, render,
            spares[0] if spares else None
        )
    with steps.step("rehearsing on a copy holding rows"):
        rehearsal = rehearse(server, databases, current, scope_of(config),
                             (f"{new.path.name} (rehearsal)", up_text),
                             (f"{new.rollback.name} (rehearsal)", down_text),
                             plan.up_statements(), plan.down_statements(),
                             seed_files(config),
                             rewritten={(b.table, b.column) for b in placed},
                             prepared=ahead[0].result() if ahead else None,
                             conversions=types, left_empty=left_empty)
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
                      access=access_changes, rehearsal=rehearsal,
                      acknowledged=[a.render() for a in acknowledged],
                      lossy=lossy(plan, placed, types),
                      data_warnings=rehearsal_warnings,
                      notes=[*notes, *(f"no rollback: {why}" for why in plan.irreversible)])


def regenerate_rollback(config: Config, target: str, *, allow_data_dependent: bool = False,
                        backend: str = "auto", steps: Steps | None = None) -> DiffResult:
    """Rewrite the rollback of released migration `target` (version or file stem), proven
    and rehearsed as `diff` does, and record its new checksum.

    Rollbacks are never applied by the Supabase CLI, so a released one may be replaced;
    its migration never is.
    """
    steps = steps or Steps()
    with repo_lock(config.root, f"rollback {target}"):
        history = history_of(config)
        found = [i for i, m in enumerate(history) if target in (m.version, m.stem)]
        if not found:
            raise UsageError(f"no migration {target!r} in {config.migrations_dir}.",
                             detail="Name it by version (14 digits) or file name without .sql: "
                                    + ", ".join(m.stem for m in history[-3:]))
        index = found[0]
        migration = history[index]
        schema = read_sql(config.schema_file)
        setup = setup_of(config)
        with workspace(config, backend, steps) as (server, databases):
            with steps.step(f"replaying up to and through {migration.path.name}"):
                before = build.replay(server, databases, history[:index], setup=setup)
                after = build.replay(server, databases, [migration], template=before)
            views = Views(server, scope_of(config))
            views.inspect(before, after)
            reference = reference_tables_of(config, schema, views, after)
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
            # What diff acknowledged when it wrote the migration holds for its rollback too.
            tables, every = migrations.acknowledged_in(up_text)
            with steps.step("rehearsing on a copy holding rows"):
                rehearsal = rehearse(server, databases, before, scope_of(config),
                                     (up_label, up_text),
                                     (f"{migration.rollback.name} (rehearsal)", down_text),
                                     up_statements, plan.up_statements(),
                                     seed_files(config),
                                     left_empty={t: f"acknowledged in {migration.path.name}"
                                                 for t in tables})
            if not (allow_data_dependent or every):
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
    history = history_of(config)
    schema = read_schema(config.schema_file)
    setup = setup_of(config)
    seed = build.replay_seed(history, setup)
    with workspace(config, backend, steps, seed) as (server, databases):
        current, desired, views, reference = build_both(config, schema, server, databases,
                                                         history, steps, setup, seed)
        with steps.step("diffing"):
            candidates, _ = plan_candidates(schema, history, server, databases, views, reference,
                                        current, desired, rollback=False)
            pending = candidates[-1].up_statements()
            unexplained = [] if pending else judge_only_differences(views, current, desired)
    return CheckResult(pending=pending, unexplained=unexplained)


def verify(config: Config, *, backend: str = "auto", steps: Steps | None = None,
           on_migration: Callable[[MigrationCheck], None] | None = None) -> HistoryReport:
    """Every migration up, down, up again, and both on rows; the end state equal to
    schema.sql."""
    steps = steps or Steps()
    history = history_of(config)
    schema = read_schema(config.schema_file)
    setup = setup_of(config)
    with workspace(config, backend, steps) as (server, databases):
        with steps.step(f"applying {config.schema_file.name}"):
            desired = build.desired(server, databases, schema, setup)
        views = Views(server, scope_of(config))
        judge = Judge(views, reference_tables_of(config, schema, views, desired))

        def on_rows(before: str, migration: migrations.Migration) -> tuple[str, str | None]:
            up, down = read_sql(migration.path), read_sql(migration.rollback)
            # What the header says diff let through: no sample rows in the tables it
            # acknowledged, and failures it accepted are accepted again.
            tables, every = migrations.acknowledged_in(up.text)
            rehearsal = rehearse(
                server, databases, before, scope_of(config),
                (str(migration.path.relative_to(config.root)), up.text),
                (str(migration.rollback.relative_to(config.root)), down.text),
                [st.text for st in split_statements(up)],
                [st.text for st in split_statements(down)], seed_files(config),
                left_empty={t: f"acknowledged in {migration.path.name}" for t in tables})
            return released_on_rows(rehearsal, migration.path.name, migration.rollback.name,
                                    acknowledged_all=every,
                                    losses_allowed=migrations.destructive_in(up.text))

        with steps.step(f"verifying {len(history)} migration(s)"):
            return verify_history(judge, databases, history, desired, on_migration,
                                  setup=setup, rehearse=on_rows)
