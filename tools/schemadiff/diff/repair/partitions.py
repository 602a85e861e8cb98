"""Partitioned tables, where migra's DDL fails.

- Indexes and PRIMARY KEY/UNIQUE constraints on a partitioned table: migra creates the
  parent index ON ONLY the parent and never attaches the partitions' indexes, so the
  parent index stays invalid and `ADD CONSTRAINT … USING INDEX` fails. We add the
  constraint with ALTER TABLE ONLY and attach every partition's index (as pg_dump does).
- A partition created or attached under an existing partitioned index gets its index
  from Postgres; migra's CREATE INDEX for it would fail as a duplicate.
- Dropping a partitioned table's constraint drops the partitions' copies too, so their
  own drops become `IF EXISTS`; dropping the partitioned table drops its partitions.
- A dropped partitioned index takes the partitions' indexes along, even those that must
  stay: they are built again. A kept partition's own NOT NULL and DEFAULT are altered
  (migra never alters a partition).
"""

from __future__ import annotations

from dataclasses import dataclass

from ... import sql
from ...inspect.catalog_model import quote_ident
from ...scratch import Server
from ..statements import tidy


def _qualified(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


@dataclass(frozen=True)
class Attachment:
    parent: str  # quoted partitioned index
    child: str  # quoted partition index
    table: str  # quoted table of the partition index


def attachments(server: Server, dbname: str, schemas) -> set[Attachment]:
    """Every (partitioned index, partition index) pair of `dbname` in `schemas`."""
    rows = server.query(dbname, sql.load("repair_index_partitions.sql"),
                        {"schemas": list(schemas)}, as_dicts=True)
    return {
        Attachment(_qualified(r["parent_schema"], r["parent_name"]),
                   _qualified(r["child_schema"], r["child_name"]),
                   _qualified(r["table_schema"], r["table_name"]))
        for r in rows
    }


def _index_key(schema: str, name: str) -> str:
    return _qualified(schema, name)


def rewritten(statements: list[str], from_model, to_model,
              before: set[Attachment], after: set[Attachment],
              inheriting: frozenset[str] = frozenset()) -> list[str]:
    """migra's statements with partition DDL made to work."""
    replace: dict[str, list[str]] = {}
    for key, table in from_model.tables.items():
        parent = to_model.tables.get(table.parent_table)
        if (table.is_partitioning_child_table and key not in to_model.tables
                and (parent is None or not parent.is_partitioned)):
            # DROP TABLE of the partitioned table (dropped, or created anew as a plain
            # table) drops its partitions with it.
            replace[tidy(table.drop_statement)] = []
        elif (table.is_partitioning_child_table and key not in to_model.tables
              and parent is not None and parent.is_partitioned
              and any(c.is_fk and c.quoted_full_foreign_table_name == table.parent_table
                      for c in from_model.constraints.values())):
            # A foreign key to the partitioned table depends on each partition: DROP TABLE
            # of one is refused until it is detached (which checks no row refers to it).
            replace[tidy(table.drop_statement)] = [
                f"alter table {table.parent_table} detach partition {key};",
                tidy(table.drop_statement)]
    _partitioned_constraints(replace, from_model, to_model)
    _child_constraint_drops(replace, from_model, to_model)
    new_partitions = _new_partitions(from_model, to_model)
    old_indexes = set(from_model.indexes)
    for attachment in sorted(after - before, key=lambda a: (a.parent, a.child)):
        child = to_model.indexes.get(attachment.child)
        if attachment.parent in old_indexes and attachment.table in new_partitions and child:
            # Postgres builds (and attaches) this index when the partition joins, and the
            # partition's copy of the parent's PRIMARY KEY/UNIQUE constraint with it.
            replace[tidy(child.create_statement)] = []
            constraint = getattr(child, "constraint", None)
            if constraint is not None:
                replace[tidy(constraint.create_statement)] = []
    replace.update(_recreated_tables(from_model, to_model, inheriting)[0])
    out: list[str] = []
    for statement in statements:
        out.extend(replace.get(statement, [statement]))
    for attachment in sorted(after - before, key=lambda a: (a.parent, a.child)):
        if attachment.parent in old_indexes and attachment.table in new_partitions:
            continue
        out.append(f"alter index {attachment.parent} attach partition {attachment.child};")
    out.extend(_detached_indexes(from_model, to_model, before))
    return out


def copied_rows(from_model, to_model, inheriting: frozenset[str] = frozenset()) -> list[str]:
    """What completes each re-created table (`_recreated_tables`), to run after every
    other statement (its partitions, created anywhere among them, exist then): its rows
    copied from its old self, its identities continued, the old self dropped, the
    foreign keys to it added again (checking the copied rows)."""
    return _recreated_tables(from_model, to_model, inheriting)[1]


def _detached_indexes(from_model, to_model, before: set[Attachment]) -> list[str]:
    """Partition indexes that must outlive their dropped partitioned index.

    DROP INDEX of a partitioned index drops every index attached to it, also one that
    existed before the parent index did (CREATE INDEX on the parent adopts a matching
    one); Postgres has no DETACH for indexes, so it is built again.
    """
    out = []
    for attachment in sorted(before, key=lambda a: (a.parent, a.child)):
        child = to_model.indexes.get(attachment.child)
        if attachment.parent not in to_model.indexes and child is not None \
                and attachment.child in from_model.indexes:
            out.append(tidy(child.create_statement))
    return out


def partition_columns(from_model, to_model) -> list[str]:
    """NOT NULL and DEFAULT of a kept partition's own columns, and its row level security.

    migra never alters a partition (schemainspect: not `is_alterable`), yet a partition
    may declare NOT NULL or a DEFAULT its parent lacks. Statements that must wait for the
    parent's change (DROP NOT NULL under a NOT NULL parent) are moved after it by reorder.
    """
    out = []
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        if old is None or not (table.is_partitioning_child_table
                               and old.is_partitioning_child_table):
            continue
        for name, column in table.columns.items():
            before = old.columns.get(name)
            if before is None:
                continue
            where = f"alter table {table.quoted_full_name} alter column {quote_ident(name)}"
            if before.not_null != column.not_null:
                out.append(f"{where} {'set' if column.not_null else 'drop'} not null;")
            if before.default != column.default and not column.is_generated:
                out.append(f"{where} set default {column.default};" if column.default
                           else f"{where} drop default;")
        if old.rowsecurity != table.rowsecurity:  # RLS is a partition's own, too
            out.append(f"alter table {table.quoted_full_name} "
                       f"{'enable' if table.rowsecurity else 'disable'} row level security;")
    return out


def _aside(name: str) -> str:
    """The name a re-created table's old self (or its index) has until its rows are copied."""
    suffix = "__before_rebuild"
    return quote_ident(name.encode()[:63 - len(suffix)].decode(errors="ignore") + suffix)


def _recreated_tables(from_model, to_model, inheriting: frozenset[str]
                      ) -> tuple[dict[str, list[str]], list[str]]:
    """migra's DROP and CREATE of a table that becomes (or stops being) partitioned,
    as: the old table renamed aside (with its indexes, whose names the new one takes),
    the new one created with its indexes, constraints, triggers and policies, and, once
    every statement ran (its partitions exist then), its rows copied over and the old
    table dropped. Returns (replacements, the statements to run last).

    Postgres cannot convert a table either way; migra drops and creates it, losing its
    rows and writing again only what changed (the unchanged index on it would be lost).
    A table in `inheriting` (quoted) starts inheriting columns it must not declare
    itself: re-created the same way in place of migra's ALTER TABLE … INHERIT (and its
    CREATE TABLE then loses those columns in inheritance.created_children).
    """
    rebuilt = [key for key, table in to_model.tables.items()
               if key in from_model.tables
               and (from_model.tables[key].is_partitioned != table.is_partitioned
                    or key in inheriting)]
    # Foreign keys between these tables and to them come off before any is renamed
    # (IF EXISTS: the first block drops them all), and go on again once every table has
    # its rows: the copies are then checked, in whatever order they ran.
    key_drops: list[str] = []
    key_adds: list[str] = []
    for key in rebuilt:
        before, after = around_recreation(from_model, to_model, key)
        key_drops += [_if_exists(s) for s in before if " drop constraint " in s]
        clones = {tidy(c.create_statement) for c in to_model.constraints.values()
                  if _cloned_key(c, to_model)}
        key_adds += [s for s in after if s not in clones]
        key_adds += [tidy(c.create_statement) for c in to_model.constraints.values()
                     if c.is_fk and c.quoted_full_table_name == key
                     and not _cloned_key(c, to_model)]
    replace: dict[str, list[str]] = {}
    copies: list[str] = []
    asides: list[str] = []
    for key in rebuilt:
        table, old = to_model.tables[key], from_model.tables[key]
        before, _ = around_recreation(from_model, to_model, key)
        aside = f"{quote_ident(old.schema)}.{_aside(old.name)}"
        before = [*dict.fromkeys(key_drops), *(s for s in before if " drop constraint " not in s)]
        # An identity's sequence goes with the old table: dropped first, so the new
        # table's takes its name; the new one continues from the copied rows below.
        before += [f"alter table {key} alter column {quote_ident(name)} drop identity;"
                   for name, column in old.columns.items() if column.is_identity]
        before.append(f"alter table {key} rename to {_aside(old.name)};")
        # IF EXISTS: migra may drop an index the new table no longer has first.
        before += [f"alter index if exists {index.quoted_full_name} "
                   f"rename to {_aside(index.name)};"
                   for index in from_model.indexes.values()
                   if f"{quote_ident(index.schema)}.{quote_ident(index.table_name)}" == key]
        details = [s for s in table_details(to_model, key) if s not in key_adds]
        # All in CREATE's place (migra may write the DROP after it).
        made = [*before, tidy(table.create_statement), *details]
        if key in inheriting:
            replace[f"alter table {key} inherit {table.parent_table};"] = made
        else:
            replace[tidy(old.drop_statement)] = []
            replace[tidy(table.create_statement)] = made
        copied = [quote_ident(name) for name, column in table.columns.items()
                  if name in old.columns and not column.is_generated]
        if copied:
            names = ", ".join(copied)
            copies.append(f"insert into {key} ({names}) overriding system value "
                          f"select {names} from {aside};")
        copies += [f"select setval(pg_get_serial_sequence({_literal(key)}, {_literal(name)}), "
                   f"max({quote_ident(name)})) from {key} having count(*) > 0;"
                   for name, column in table.columns.items() if column.is_identity]
        asides.append(aside)
    last = copies + ([f"drop table {', '.join(asides)};"] if asides else [])
    return replace, last + list(dict.fromkeys(key_adds))


def _cloned_key(constraint, model) -> bool:
    """Whether a foreign key is one Postgres clones from another (a partition's copy of
    its partitioned table's key, or a key's copy per partition of the table it
    references): it comes back with the key it is cloned from."""
    if not constraint.is_fk:
        return False
    for table_name in (constraint.quoted_full_table_name,
                       constraint.quoted_full_foreign_table_name):
        table = model.tables.get(table_name)
        if table is not None and table.is_partitioning_child_table:
            return True
    return False


def _if_exists(drop: str) -> str:
    return drop.replace(" drop constraint ", " drop constraint if exists ", 1) \
        if " drop constraint if exists " not in drop else drop


def _literal(text: str) -> str:
    """A string literal (pg_get_serial_sequence takes the column name as it is)."""
    return "'" + text.replace("'", "''") + "'"


def around_recreation(from_model, to_model, key: str) -> tuple[list[str], list[str]]:
    """(before the DROP, after the CREATE) of table `key` (quoted) created anew.

    The other tables' foreign keys to it block the drop: dropped, added again after (in
    one statement: NOT VALID is refused for keys to a partitioned table on PG15). A
    sequence it OWNS (serial) would go with it: released, owned again after.
    """
    def keys_to_it(model) -> list:
        return [c for c in model.constraints.values()
                if c.is_fk and c.quoted_full_foreign_table_name == key
                and c.quoted_full_table_name != key]

    def owned(model) -> dict:
        return {k: s for k, s in model.sequences.items()
                if s.table_name and s.quoted_full_table_name == key}

    kept = owned(from_model).keys() & to_model.sequences.keys()
    before = [tidy(c.drop_statement) for c in keys_to_it(from_model)]
    before += [f"alter sequence {seq} owned by none;" for seq in sorted(kept)]
    after = [tidy(s.alter_ownership_statement) for k, s in sorted(to_model.sequences.items())
             if k in kept]
    after += [tidy(c.create_statement) for c in keys_to_it(to_model)]
    return before, after


def table_details(to_model, key: str) -> list[str]:
    """What to create on table `key` (quoted) just created, from `to_model`: its indexes,
    constraints, triggers, policies and RLS. The table has no partitions yet, so an index
    is built ON it (not ON ONLY, which would leave it invalid); partitions created or
    attached after it get theirs from Postgres."""
    table = to_model.tables[key]
    details: list[str] = []
    backing = set()
    for constraint in to_model.constraints.values():
        if constraint.quoted_full_table_name != key:
            continue
        if constraint.index is not None and constraint.constraint_type != "EXCLUDE":
            backing.add(constraint.index.quoted_full_name)
            details.append(f"alter table {key} add constraint {constraint.quoted_name} "
                           f"{constraint.definition};")
        else:
            details.append(tidy(constraint.create_statement))
    for name, index in to_model.indexes.items():
        if index.quoted_full_table_name == key and name not in backing:
            details.insert(0, tidy(index.create_statement).replace(" ON ONLY ", " ON ", 1))
    details += [tidy(t.create_statement) for t in to_model.triggers.values()
                if t.quoted_full_selectable_name == key]
    details += [tidy(p.create_statement) for p in to_model.rlspolicies.values()
                if p.quoted_full_table_name == key]
    if table.rowsecurity:
        details.append(f"alter table {key} enable row level security;")
    return details


def _new_partitions(from_model, to_model) -> set[str]:
    """Tables that are partitions in the target but were not (or did not exist) before."""
    found = set()
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        moved = old is None or old.parent_table != table.parent_table
        if table.is_partitioning_child_table and moved:
            found.add(key)
    return found


def _partitioned_constraints(replace: dict, from_model, to_model) -> None:
    for key, constraint in to_model.constraints.items():
        table = to_model.tables.get(constraint.quoted_full_table_name)
        if table is None or not table.is_partitioned or constraint.index is None:
            continue
        old = from_model.constraints.get(key)
        if constraint.constraint_type == "EXCLUDE" or (old is not None and old == constraint):
            continue
        replace[tidy(constraint.create_statement)] = [
            f"alter table only {constraint.quoted_full_table_name} add constraint "
            f"{constraint.quoted_name} {constraint.definition};"
        ]
        index = to_model.indexes.get(_index_key(constraint.schema, constraint.name))
        if index is not None:
            replace[tidy(index.create_statement)] = []


def _child_constraint_drops(replace: dict, from_model, to_model) -> None:
    for constraint in from_model.constraints.values():
        table = from_model.tables.get(constraint.quoted_full_table_name)
        if table is None or not table.is_partitioning_child_table or constraint.index is None:
            continue
        replace[tidy(constraint.drop_statement)] = [
            f"alter table {constraint.quoted_full_table_name} drop constraint if exists "
            f"{constraint.quoted_name};"
        ]
