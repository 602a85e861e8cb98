"""The migration and its rollback, as sections of statements, before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..data.declared import ReferenceTable
from ..data.rows import RowChanges, diff_rows
from ..inspect.views import Views
from ..migrations.render import LABELS_FIRST
from . import classify, concurrent, repair
from .default_grants import without_default_grants
from .repair import enums, extensions
from .statements import statements
from .supplement import supplement

Section = tuple[str, list[str]]
ROWS = "Reference data (rows declared in schema.sql)"
ROWS_REMOVED = "Reference data: rows no longer declared"


@dataclass
class Plan:
    """Up and down statements in the order they run, grouped under headings."""

    up: list[Section] = field(default_factory=list)
    down: list[Section] = field(default_factory=list)
    # Why the rollback cannot be generated (then `down` is empty), e.g. an extension
    # without a downgrade path.
    irreversible: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(statements for _, statements in self.up)

    def up_statements(self) -> list[str]:
        return [s for _, statements in self.up for s in statements]

    def down_statements(self) -> list[str]:
        return [s for _, statements in self.down for s in statements]


def grouped(statements: list[str]) -> list[Section]:
    """Consecutive statements about one object under one heading; order is kept as is."""
    sections: list[Section] = []
    for statement in statements:
        label = classify.subject(statement)
        if sections and sections[-1][0] == label:
            sections[-1][1].append(statement)
        else:
            sections.append((label, [statement]))
    return sections


# migra's one-privilege-per-line grants, e.g.
#   grant select on table "public"."t" to "anon";
_GRANT = re.compile(
    r'^(?P<verb>grant|revoke) (?P<privilege>[a-z ]+) on table (?P<table>"(?:[^"]|"")+"\.'
    r'"(?:[^"]|"")+") (?P<direction>to|from) (?P<role>"(?:[^"]|"")+"|[a-z_][a-z0-9_]*);$'
)


def merged_grants(statements: list[str]) -> list[str]:
    """Fold a run of migra's single-privilege grants on one table into one statement per
    privilege set: 21 lines for three API roles become one."""
    out: list[str] = []
    run: list[re.Match] = []

    def flush() -> None:
        if not run:
            return
        verb, table, direction = run[0]["verb"], run[0]["table"], run[0]["direction"]
        by_role: dict[str, list[str]] = {}
        for match in run:
            # migra quotes the pseudo-role PUBLIC as if it were a role named "PUBLIC".
            role = "PUBLIC" if match["role"] == '"PUBLIC"' else match["role"]
            by_role.setdefault(role, []).append(match["privilege"])
        by_privileges: dict[tuple[str, ...], list[str]] = {}
        for role, privileges in by_role.items():
            by_privileges.setdefault(tuple(privileges), []).append(role)
        for grouped, roles in by_privileges.items():
            out.append(f"{verb} {', '.join(grouped)} on table {table} "
                       f"{direction} {', '.join(roles)};")
        run.clear()

    for statement in statements:
        match = _GRANT.match(statement)
        if match and run and (match["verb"], match["table"]) != (run[0]["verb"], run[0]["table"]):
            flush()
        if match:
            run.append(match)
        else:
            flush()
            out.append(statement)
    flush()
    return out


def without_dropped_table_details(statements: list[str], from_model) -> list[str]:
    """Drop the revokes, policy/trigger/constraint/index drops that a DROP TABLE of the
    same table makes redundant: the rollback of a new table is then one statement."""
    # A table dropped and created again (regular <-> partitioned) keeps its details.
    recreated = {t for t in map(classify.created_table, statements) if t}
    dropped = {
        classify.subject(s).removeprefix("table ")
        for s in statements
        if classify.destructive_reason(s) == "drops table"
    } - recreated
    if not dropped:
        return statements
    index_tables = {
        f"{index.schema}.{name.split('.')[-1].strip(chr(34))}": f"{index.schema}.{index.table_name}"
        for name, index in from_model.indexes.items()
    }
    # A policy that reads another dropped table keeps its own DROP POLICY: without it
    # neither table could be dropped first (the other one's foreign key, this policy).
    entangled = {
        policy.drop_statement.strip().rstrip(";") + ";"
        for policy in from_model.rlspolicies.values()
        if f"{policy.schema}.{policy.table_name}" in dropped
        and any(other.split(".")[1] in f"{policy.qual or ''} {policy.withcheck or ''}"
                for other in dropped if other != f"{policy.schema}.{policy.table_name}")
    }
    entangled |= _keys_in_cycles(from_model, dropped)
    kept = []
    for statement in statements:
        label = classify.subject(statement)
        if classify.destructive_reason(statement) == "drops table" or statement in entangled:
            kept.append(statement)
        elif (label.startswith("table ") and label.removeprefix("table ") in dropped) or (
            label.startswith("index ") and index_tables.get(label.removeprefix("index ")) in dropped
        ):
            continue
        else:
            kept.append(statement)
    return kept


_QUOTED_TABLE = re.compile(r'^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$')


def _keys_in_cycles(from_model, dropped: set[str]) -> set[str]:
    """DROP CONSTRAINT of the foreign keys that tie dropped tables into a cycle (a → b → c
    → a, seen in a real app): none of those tables can go first while they all hold."""
    edges: dict[str, set[str]] = {}
    keys: list[tuple[str, str, str]] = []
    for constraint in from_model.constraints.values():
        quoted = getattr(constraint, "quoted_full_foreign_table_name", None)
        match = _QUOTED_TABLE.match(quoted or "")
        if not constraint.is_fk or match is None:
            continue
        source = f"{constraint.schema}.{constraint.table_name}"
        target = ".".join(part.replace('""', '"') for part in (match[1], match[2]))
        if source in dropped and target in dropped and source != target:
            edges.setdefault(source, set()).add(target)
            keys.append((source, target, constraint.drop_statement.strip().rstrip(";") + ";"))

    def reaches(start: str, goal: str) -> bool:
        seen, pending = {start}, [start]
        while pending:
            for following in edges.get(pending.pop(), ()):
                if following == goal:
                    return True
                if following not in seen:
                    seen.add(following)
                    pending.append(following)
        return False

    return {drop for source, target, drop in keys if reaches(target, source)}


_RENAMED_TABLE = re.compile(r'^alter table \S+ rename to ')


def by_new_table(statements: list[str]) -> list[str]:
    """Gather each new table's statements (indexes, keys, grants, policies) right after its
    CREATE TABLE, tables ordered so that referenced ones come first.

    Readable, but not always valid (a policy may call a function created later): the
    caller proves this order and falls back to migra's own when it fails.
    """
    # A table re-created in place (its old self renamed aside, repair/partitions.py) is
    # not new: its statements keep their order around the rename.
    renamed = {classify.subject(s).removeprefix("table ") for s in statements
               if _RENAMED_TABLE.match(s)}
    created = [t for t in map(classify.created_table, statements) if t and t not in renamed]
    if len(created) == 0:
        return statements
    new = set(created)
    blocks: dict[str, list[str]] = {t: [] for t in created}
    depends: dict[str, set[str]] = {t: set() for t in created}
    rest: list[str] = []
    first_create = None
    for statement in statements:
        table = classify.created_table(statement)
        label = classify.subject(statement).removeprefix("table ")
        if table in new:
            first_create = len(rest) if first_create is None else first_create
            blocks[table].insert(0, statement)
        elif label in new:
            blocks[label].append(statement)
            depends[label].update(t for t in classify.referenced_tables(statement)
                                  if t in new and t != label)
        else:
            rest.append(statement)
    ordered: list[str] = []
    placed: set[str] = set()

    def place(table: str, trail: tuple[str, ...] = ()) -> None:
        if table in placed or table in trail:  # a cycle keeps the original order
            return
        for parent in sorted(depends[table]):
            place(parent, (*trail, table))
        placed.add(table)
        ordered.extend(blocks[table])

    for table in created:
        place(table)
    position = first_create or 0
    return rest[:position] + ordered + rest[position:]


# migra adds a check or foreign key NOT VALID, then validates it: right for a table that
# others use (short locks), noise for one the same migration creates, and wrong for a
# constraint schema.sql declares NOT VALID (pg_get_constraintdef ends with it): validated,
# it would differ from schema.sql (and fail on rows it was meant to leave unchecked).
_NOT_VALID = re.compile(r'^alter table (?P<table>\S+) add constraint (?P<name>"(?:[^"]|"")+") '
                        r'(?P<body>.*) not valid;$', re.DOTALL)


def validated_at_once(statements: list[str]) -> list[str]:
    """Each `ADD CONSTRAINT … NOT VALID` + `VALIDATE CONSTRAINT` pair on a table these
    statements create, or of a constraint declared NOT VALID, as one statement."""
    if not statements:
        return statements
    created = {f'"{s}"."{t}"' for s, _, t in (n.partition(".") for n in
               filter(None, map(classify.created_table, statements)))}
    out: list[str] = []
    skip = False
    for statement, following in zip(statements, [*statements[1:], ""], strict=True):
        if skip:
            skip = False
            continue
        match = _NOT_VALID.match(statement)
        validate = f"alter table {match['table']} validate constraint " if match else ""
        declared_not_valid = match is not None and match["body"].endswith(" NOT VALID")
        if match and (match["table"] in created or declared_not_valid) \
                and following == f"{validate}{match['name']};":
            out.append(f"alter table {match['table']} add constraint {match['name']} "
                       f"{match['body']};")
            skip = True
        else:
            out.append(statement)
    return out


def _readable(ddl: list[str], from_model, defaults) -> list[str]:
    ddl = without_default_grants(without_dropped_table_details(ddl, from_model), defaults)
    return validated_at_once(merged_grants(ddl))


def make_plans(views: Views, current: str, desired: str,
               reference_tables: list[ReferenceTable] | None = None, *,
               rollback: bool = True) -> list[Plan]:
    """Candidate plans, most readable first: new tables gathered by table, then migra's order.

    Each is only a candidate: the caller proves them in turn and keeps the first that holds.
    Up: rows no longer declared, migra's DDL (repaired), what migra misses (supplement),
    then the declared rows. Down: the same, the other way.
    """
    current_model, desired_model = views.model(current), views.model(desired)
    extra = supplement(views.snapshot(current), views.snapshot(desired))
    # The supplement goes through repair too, so its statements are ordered with the rest
    # (it is written to run after migra's, and stays there unless it cannot run yet).
    up = _readable(statements(current_model, desired_model), current_model,
                   views.snapshot(current))
    up = repair.repair(up + extra.up, current_model, desired_model, views.server, current,
                       desired)
    up = extensions.recreated(up, current_model, desired_model, views.server, current)
    extensions.require_path(current_model, desired_model, views.server, current)
    down: list[str] = []
    irreversible: list[str] = []
    if rollback:  # `check` needs only the way forward
        irreversible = extensions.without_path(desired_model, current_model, views.server,
                                               desired)
    if rollback and not irreversible:
        down = _readable(statements(desired_model, current_model), desired_model,
                         views.snapshot(desired))
        down = repair.repair(down + extra.down, desired_model, current_model, views.server,
                             desired, current)
        down = extensions.recreated(down, desired_model, current_model, views.server, desired)
    rows = RowChanges()
    if reference_tables:
        with views.connected(current) as have, views.connected(desired) as want:
            rows = diff_rows(have, want, reference_tables)

    def sections(ddl: list[str], deletes: list[str], upserts: list[str], from_model,
                 to_model) -> tuple[list[Section], list[Section]]:
        """(with indexes on tables in use dropped first and built last, each outside the
        transaction (diff/concurrent.py); without). Rows go after the DDL that creates
        their tables, removals before the DDL that drops them."""
        labels, ddl = enums.committed_first(ddl)
        drops, kept, builds = concurrent.split(ddl, from_model, to_model, [*deletes, *upserts])
        plain = [(LABELS_FIRST, labels), (ROWS_REMOVED, deletes), *grouped(ddl),
                 (ROWS, upserts)]
        if not drops and not builds:
            return plain, plain
        return [(concurrent.DROPS, drops), (LABELS_FIRST, labels), (ROWS_REMOVED, deletes),
                *grouped(kept), (ROWS, upserts), (concurrent.BUILDS, builds)], plain

    orders = [by_new_table(up), up]  # readable first
    if orders[0] == up:
        orders = [up]
    ups = [sections(ddl, rows.up_deletes, rows.up_upserts, current_model, desired_model)
           for ddl in orders]
    downs = ([], []) if irreversible else sections(down, rows.down_deletes,
                                                   rows.down_upserts, desired_model,
                                                   current_model)
    # Each candidate with indexes built concurrently first, then in the transaction (if a
    # statement of the migration needed one of them after all, the proof says so).
    candidates: list[Plan] = []
    for variant in (0, 1):
        for up_sections in ups:
            candidate = Plan(up=up_sections[variant], down=downs[variant],
                             irreversible=irreversible)
            if not any(_same(candidate, other) for other in candidates):
                candidates.append(candidate)
    return candidates


def _same(one: Plan, other: Plan) -> bool:
    return one.up == other.up and one.down == other.down
