"""Partition keys and bounds that change, which migra never writes.

schemainspect keeps a partitioned table's key and a partition's bound in
`partition_def`, and migra sees the change, but a partitioned table or a partition is
not "alterable" to it, so nothing is emitted (and the new partitions are refused by the
old key). Postgres cannot change either in place:
- a new key: the table is created again. Its partitions that stay are detached first
  and attached again afterwards, with their new bound, so their rows survive (and are
  checked against the bound); the ones that go are dropped with it.
- a new bound of a partition that stays: DETACH and ATTACH with the new bound.
A table attached as a partition: schemainspect's ATTACH names the tables the wrong way
round, and gives a partitioned partition its key after the bound.
"""

from __future__ import annotations

from ... import sql
from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy
from .partitions import around_recreation, table_details

Spec = tuple[str | None, str | None]  # (key, bound)


def specs(server: Server, dbname: str, schemas) -> dict[str, Spec]:
    """Quoted table → (partition key, partition bound) of `dbname`'s partitioning tables."""
    rows = server.query(dbname, sql.load("repair_partition_specs.sql"),
                        {"schemas": list(schemas)}, as_dicts=True)
    return {f"{quote_ident(r['schema'])}.{quote_ident(r['name'])}": (r["key"], r["bound"])
            for r in rows}


def _children(model, parent: str) -> set[str]:
    return {k for k, t in model.tables.items() if t.parent_table == parent}


def rewritten(statements: list[str], from_model, to_model, before: dict[str, Spec],
              after: dict[str, Spec]) -> list[str]:
    """migra's statements with changed partition keys and bounds made."""
    rekeyed = sorted(k for k in before.keys() & after.keys()
                     if k in from_model.tables and k in to_model.tables
                     and before[k][0] and after[k][0] and before[k][0] != after[k][0])
    head: list[str] = []
    tail: list[str] = []
    unwanted: set[str] = set()
    for key in rekeyed:
        kept = sorted(_children(from_model, key) & _children(to_model, key))
        for gone in sorted(_children(from_model, key) - set(kept)):
            if gone not in to_model.tables:
                unwanted.add(tidy(from_model.tables[gone].drop_statement))  # goes with it
        table = to_model.tables[key]
        # Foreign keys to it go first: a partition they reference cannot be detached.
        before_drop, after_create = around_recreation(from_model, to_model, key)
        head += before_drop
        head += [f"alter table {key} detach partition {child};" for child in kept]
        head += [tidy(table.drop_statement), tidy(table.create_statement),
                 *table_details(to_model, key)]
        tail += [f"alter table {key} attach partition {child} {after[child][1]};"
                 for child in kept]
        tail += after_create  # foreign keys to it check rows its partitions bring back
    moved = set(rekeyed)
    for key in sorted(before.keys() & after.keys()):
        old, new = from_model.tables.get(key), to_model.tables.get(key)
        if old is None or new is None or key in moved or old.parent_table in moved:
            continue
        parent = new.parent_table
        if parent and old.parent_table == parent and before[key][1] != after[key][1]:
            head.append(f"alter table {parent} detach partition {key};")
            tail.append(f"alter table {parent} attach partition {key} {after[key][1]};")
    attach = _attachments(from_model, to_model, after)
    if not (head or tail or unwanted or attach):
        return statements
    body = [attach.get(s, s) for s in statements if s not in unwanted]
    return head + body + tail


def _attachments(from_model, to_model, after: dict[str, Spec]) -> dict[str, str]:
    """migra's ATTACH PARTITION of each table that becomes a partition → the right one."""
    out = {}
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        if table.is_partitioning_child_table and old is not None \
                and old.parent_table != table.parent_table and key in after:
            # What schemainspect builds (child and parent swapped), tidied.
            wrong = tidy(f"alter table {key} attach partition {table.parent_table} "
                         f"{table.partition_def};")
            out[wrong] = f"alter table {table.parent_table} attach partition {key} " \
                         f"{after[key][1]};"
    return out
