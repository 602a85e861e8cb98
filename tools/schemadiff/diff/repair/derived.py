"""Constraints and triggers Postgres derives from another: foreign keys
(pg_constraint.conparentid <> 0), CHECKs a partition or child table inherits, and the
clones of a partitioned table's row triggers (pg_trigger.tgparentid <> 0).

A foreign key on a partitioned table is cloned onto each partition, and a foreign key
that references a partitioned table gets one clone per referenced partition (named
`…_fkey1`, …). schemainspect does not read conparentid, so migra treats the clones
(and a partition's inherited CHECK and trigger) as the user's own: it adds them again
after their parent (a duplicate) and drops them after their parent took them along
("does not exist"). Postgres owns them: their ADD is left out, their DROP becomes IF
EXISTS (a trigger's already is) and runs last. Index-backed copies (a partition's primary key) are
left to partitions.py, which attaches them as pg_dump does.

migra also adds every foreign key NOT VALID and then validates it; Postgres 15 refuses
NOT VALID on a partitioned table, and validating a key that references a partitioned
table leaves its per-partition clones NOT VALID: such keys are added in one statement.
"""

from __future__ import annotations

from ... import sql
from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy


def derived(server: Server, dbname: str, schemas) -> set[tuple[str, str]]:
    """(kind, model key "schema"."table"."name") of the derived constraints and triggers
    of `dbname`."""
    rows = server.query(dbname, sql.load("repair_derived.sql"),
                        {"schemas": list(schemas)})
    return {(kind, ".".join(quote_ident(part) for part in names)) for kind, *names in rows}


def _partitioned(model, quoted_table: str | None) -> bool:
    table = model.tables.get(quoted_table) if quoted_table else None
    return table is not None and table.is_partitioned


def rewritten(statements: list[str], from_model, to_model, before: set[tuple[str, str]],
              after: set[tuple[str, str]]) -> list[str]:
    """migra's statements without the derived objects Postgres makes and drops itself."""
    replace: dict[str, list[str]] = {}
    # A derived constraint's DROP goes last: by then its parent key or the partition it
    # is on (or references) has taken it along, or a DETACH made it the partition's own;
    # before that, Postgres refuses it ("cannot drop inherited constraint").
    last: list[str] = []
    for kind, key in sorted(after):
        trigger = to_model.triggers.get(key) if kind == "trigger" else None
        if trigger is not None:
            replace[tidy(trigger.create_statement)] = []
    derived_after = {key for kind, key in after if kind == "constraint"}
    for kind, key in sorted(before):
        constraint = from_model.constraints.get(key) if kind == "constraint" else None
        if constraint is not None and constraint.index is None:
            replace[tidy(constraint.drop_statement)] = []
            last.append(f"alter table {constraint.quoted_full_table_name} drop constraint "
                        f"if exists {constraint.quoted_name};")
    for key, constraint in to_model.constraints.items():
        if constraint.index is not None or not constraint.can_use_not_valid:
            continue
        texts = [tidy(s) for s in constraint.safer_create_statements]
        if key in derived_after:
            # plan.validated_at_once may have made the pair one statement already.
            for text in (*texts, tidy(constraint.create_statement)):
                replace[text] = []
            continue
        if _partitioned(to_model, constraint.quoted_full_table_name) or _partitioned(
                to_model, constraint.quoted_full_foreign_table_name):
            replace[texts[0]] = [tidy(constraint.create_statement)]
            replace[texts[1]] = []
    if not replace:
        return statements
    out: list[str] = []
    for statement in statements:
        out.extend(replace.get(statement, [statement]))
    dropped = set(statements)
    return out + [s for s in last if _drop_of(s) in dropped]


def _drop_of(if_exists: str) -> str:
    """migra's DROP CONSTRAINT for our DROP CONSTRAINT IF EXISTS."""
    return if_exists.replace(" drop constraint if exists ", " drop constraint ", 1)
