"""Post-processing of migra's statements: rewrite what migra gets wrong, then order by trial.

Called by diff.plan.make_plans for each direction; every change here is still proven by
proof.verify.prove before anything is written.
"""

from __future__ import annotations

from ...scratch import Server
from . import (
    composites,
    constraints,
    derived,
    enums,
    functions,
    inheritance,
    partition_keys,
    partitions,
    quoting,
    reorder,
    sequences,
)
from .schemas import without_dropped_schema_defaults

_UNSAFE_ENUM_USE = "unsafe use of new value"


def _schemas(*models) -> list[str]:
    return sorted({s.schema for model in models for s in model.schemas.values()})


def _inherits(model) -> bool:
    """Whether any table is partitioned, a partition or an inheritance child: without one,
    there is nothing for the catalog reads of partition keys and derived objects to find."""
    return any(t.parent_table or t.is_partitioned for t in model.tables.values())


def _inheritance_rewritten(statements: list[str], from_model, to_model, server: Server,
                           dbname: str, target: str, schemas: list[str],
                           only_inherited: set[tuple[str, str]]) -> list[str]:
    statements = partition_keys.rewritten(
        statements, from_model, to_model,
        partition_keys.specs(server, dbname, schemas),
        partition_keys.specs(server, target, schemas),
    )
    statements = inheritance.rewritten(statements, from_model, to_model,
                                       inheritance.local_columns(server, dbname, schemas))
    statements = inheritance.merged_columns(statements, from_model, to_model, only_inherited)
    statements = inheritance.created_children(statements, to_model, only_inherited)
    return derived.rewritten(
        statements, from_model, to_model,
        derived.derived(server, dbname, schemas), derived.derived(server, target, schemas),
    )


def repair(statements: list[str], from_model, to_model, server: Server, dbname: str,
           target: str) -> list[str]:
    """migra's `statements` (database `dbname` → `target`), fixed, in an order that applies."""
    # migra never alters a partition's columns: that comes on top of its statements.
    statements = statements + partitions.partition_columns(from_model, to_model)
    partitioning = _inherits(from_model) or _inherits(to_model)
    if not statements and not partitioning:  # (a new partition key or bound: no statement)
        return []  # nothing to fix or order (and no catalog to read)
    schemas = _schemas(from_model, to_model)
    only_inherited = inheritance.inherited_only(server, target, schemas) if partitioning \
        else set()
    # Tables re-created with their rows (partitions.py): those that become or stop being
    # partitioned, and those that start inheriting columns they must not declare.
    inheriting = inheritance.inheriting_anew(from_model, to_model, only_inherited)
    statements = partitions.rewritten(
        statements, from_model, to_model,
        partitions.attachments(server, dbname, schemas),
        partitions.attachments(server, target, schemas),
        inheriting,
    )
    if partitioning:
        statements = _inheritance_rewritten(statements, from_model, to_model, server, dbname,
                                            target, schemas, only_inherited)
    statements = constraints.rewritten(statements, from_model, to_model)
    statements = sequences.released_first(statements, from_model, to_model)
    statements = sequences.identity_from_serial(statements, from_model, to_model)
    statements = without_dropped_schema_defaults(statements, from_model, to_model)
    statements = composites.rewritten(statements, from_model, to_model)
    statements = functions.rewritten(statements, from_model, to_model, server, dbname)
    rewritten = enums.rewritten(
        enums.recreated(statements, from_model, to_model, server, dbname), from_model, to_model
    )
    ordering = reorder.order(quoting.fixed(rewritten, from_model, to_model), server, dbname)
    last = partitions.copied_rows(from_model, to_model, inheriting) if partitioning else []
    if ordering.ok or not enums.plan_rewrite(from_model, to_model).added:
        return ordering.statements + last
    unsafe = [(s, e) for s, e in ordering.failed if _UNSAFE_ENUM_USE in e]
    if unsafe:
        # A new label used in the same migration: the labels are committed first, on their
        # own, and the rest uses them (enums.labels_first; the proof tries it).
        return enums.labels_first(ordering.statements + last, from_model, to_model)
    # ADD VALUE did not apply for another reason: re-creating the type instead, with what
    # depends on it.
    recreate = enums.recreated(statements, from_model, to_model, server, dbname, additions=True)
    fallback = reorder.order(quoting.fixed(recreate, from_model, to_model), server, dbname)
    if fallback.ok:
        return fallback.statements + last
    return ordering.statements + last
