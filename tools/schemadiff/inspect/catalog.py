"""Catalog snapshot: every object of the managed schemas as identity -> normalized definition.

Independent of migra and schemainspect on purpose: it is the second judge of "same schema".
A handful of queries (sql/catalog_*.sql), not one per object. Definitions hold no OIDs or
attnums; role names are compared by name; grantors are left out. NOT NULL is a property of
the column or domain, never a named constraint, on every server version (see
sql/catalog_constraints.sql): Postgres 18's NOT NULL constraint names and comments are
not compared.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg2

from .. import sql
from . import catalog_kinds
from .catalog_model import (
    DefaultAclKey,
    Ref,
    SequenceOptions,
    Snapshot,
    display_ident,
    grants,
    quote_ident,
    render_grants,
)
from .scope import PLATFORM_SCHEMAS

__all__ = ["snapshot", "Snapshot", "Ref"]

_RELKINDS = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
    "f": "foreign table",
}
_TYPE_KINDS = {"e": "enum", "c": "type", "r": "range type"}
_ROUTINE_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "function"}
_POLICY_COMMANDS = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}


def snapshot(conn, schemas: Sequence[str], unmanaged: Sequence[str] = ()) -> Snapshot:
    """Every object of `schemas`, less extension members and `unmanaged` ("schema.name")."""
    rows = _fetch_all(conn, list(schemas))
    skip = {tuple(item.split(".", 1)) for item in unmanaged}
    snap = Snapshot()
    snap.acldefault = _acldefaults(rows["acldefault"])
    snap.creator = rows["acldefault"][0]["creator"]
    _schemas(snap, rows["schemas"])
    _relations(snap, rows["relations"], skip)
    _columns(snap, rows["columns"], skip)
    _constraints(snap, rows["constraints"], skip)
    _indexes(snap, rows["indexes"], skip)
    _functions(snap, rows["functions"], skip)
    _triggers(snap, rows["triggers"], skip)
    _policies(snap, rows["policies"], skip)
    catalog_kinds.types(snap, rows["types"], skip)
    catalog_kinds.domains(snap, rows["domains"], skip)
    catalog_kinds.collations(snap, rows["collations"], skip)
    catalog_kinds.statistics(snap, rows["statistics"], skip)
    catalog_kinds.rules(snap, rows["rules"], skip)
    catalog_kinds.casts(snap, rows["casts"])
    catalog_kinds.operators(snap, rows["operators"], skip)
    catalog_kinds.ts_dictionaries(snap, rows["ts_dictionaries"], skip)
    catalog_kinds.ts_configurations(snap, rows["ts_configurations"], skip)
    _default_acls(snap, rows["default_acls"])
    _publications(snap, rows["publications"], skip)
    _platform_acls(snap, rows["platform_acls"])
    catalog_kinds.unmodelled(snap, rows["coverage"], skip)
    for row in rows["extensions"]:
        snap.add(f"extension {display_ident(row['name'])}",
                 f"schema {display_ident(row['schema'])} version {row['version']}")
    return snap


_QUERIES = ("acldefault", "schemas", "relations", "columns", "constraints", "indexes",
            "functions", "triggers", "policies", "types", "default_acls", "publications",
            "extensions", "coverage", "domains", "statistics", "rules", "casts", "operators",
            "ts_dictionaries", "ts_configurations", "collations", "platform_acls")


def _fetch_all(conn, schemas: list[str]) -> dict[str, list[dict]]:
    # search_path = pg_catalog makes every pg_get_*def and format_type qualify user
    # objects, so definitions don't depend on the session's path.
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('search_path')")
        (saved,) = cur.fetchone()
        cur.execute("SELECT set_config('search_path', 'pg_catalog', false)")
        try:
            result = {}
            for name in _QUERIES:
                cur.execute(sql.load(f"catalog_{name}.sql"), {
                    "schemas": schemas,
                    "platform": [s for s in PLATFORM_SCHEMAS if s not in schemas]})
                # Plain tuples zipped into dicts: RealDictCursor builds each row key by
                # key in Python, a third of a snapshot's time at 1000 tables.
                columns = [column.name for column in cur.description]
                result[name] = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
        finally:
            if conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_INERROR:
                cur.execute("SELECT set_config('search_path', %s, false)", (saved,))
    return result


def _acldefaults(rows) -> dict[str, frozenset[tuple[bool, str]]]:
    found: dict[str, set[tuple[bool, str]]] = {}
    for row in rows:
        found.setdefault(row["objtype"], set()).add((row["to_public"], row["privilege"]))
    return {k: frozenset(v) for k, v in found.items()}


def _schemas(snap: Snapshot, rows) -> None:
    for row in rows:
        ref = Ref("schema", row["schema"])
        snap.add(str(ref), "exists")
        snap.record(ref, shape="schema", owner=row["owner"], comment=row["comment"],
                acl=row["acl"])


def _relations(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        owned = (row["owned_by_schema"], row["owned_by_table"])
        if (row["schema"], row["name"]) in skip or owned in skip:
            continue
        kind = _RELKINDS[row["relkind"]]
        ref = Ref(kind, row["schema"], row["name"])
        options = tuple(sorted(row["options"]))
        if kind == "sequence":
            seq = SequenceOptions(row["seq_type"], row["seq_start"], row["seq_increment"],
                                  row["seq_min"], row["seq_max"], row["seq_cache"],
                                  row["seq_cycle"])
            snap.sequences[ref] = seq
            owned_by = ""
            if row["owned_by_table"]:
                owned_by = (f" owned by {display_ident(owned[0])}.{display_ident(owned[1])}."
                            f"{display_ident(row['owned_by_column'])}")
            snap.add(str(ref), f"{seq}{owned_by}")
            shape = "sequence"
        elif kind in ("view", "materialized view"):
            snap.add(str(ref), row["view_definition"].strip())
            snap.reads[ref] = frozenset(Ref("table", s, n) for s, n in row["reads"])
            snap.calls[ref] = _routine_refs(row["calls"])
            shape = row["view_definition"].strip()
        else:
            shape = _table_shape(row)
            snap.add(str(ref), shape)
        if kind in ("table", "view", "materialized view"):
            snap.rel_options[ref] = options
            if options:
                snap.add(f"options {ref}", ", ".join(options))
        if kind == "table":
            snap.rls_forced[ref] = row["rls_forced"]
            snap.add(f"rls {ref}", ("enabled" if row["rls_enabled"] else "disabled")
                     + (", forced" if row["rls_forced"] else ""))
        snap.record(ref, shape=shape, owner=row["owner"], comment=row["comment"],
                acl=row["acl"])


def _table_shape(row) -> str:
    parts = ["partitioned table" if row["relkind"] == "p" else _RELKINDS[row["relkind"]]]
    if row["persistence"] == "u":
        parts.append("unlogged")
    if row["partition_key"]:
        parts.append(f"partition by {row['partition_key']}")
    if row["parents"]:
        parents = ", ".join(f"{display_ident(s)}.{display_ident(n)}" for s, n in row["parents"])
        parts.append(f"inherits {parents}")
    if row["partition_bound"]:
        parts.append(f"partition {row['partition_bound']}")
    return " ".join(parts)


def _columns(snap: Snapshot, rows, skip) -> None:
    order: dict[str, list[str]] = {}
    for row in rows:
        if (row["schema"], row["table_name"]) in skip:
            continue
        ref = Ref("column", row["schema"], row["table_name"], row["name"])
        parts = [row["type"]]
        if row["collation"]:
            parts.append(f"collate {row['collation']}")
        if row["not_null"]:
            parts.append("not null")
        if row["generated"]:
            parts.append(f"generated always as ({row['default_expr']})")
        elif row["default_expr"] is not None:
            parts.append(f"default {row['default_expr']}")
        if row["identity"]:
            how = "always" if row["identity"] == "a" else "by default"
            parts.append(f"generated {how} as identity")
        # migra compares all of the above, not whether a generated column is stored or
        # virtual (Postgres 18's default), the NOT NULL constraint's NOT VALID or NO INHERIT
        # (Postgres 18), nor the identity's sequence options.
        shape = " ".join(parts)
        definition = shape
        if row["generated"]:
            definition += " stored" if row["generated"] == "s" else " virtual"
        if row["not_null_options"]:
            definition += f" (not null {row['not_null_options']})"
        if row["inherited_local"] is not None:
            definition += (" (inherited, declared by the child too)" if row["inherited_local"]
                           else " (inherited)")
        if row["identity"] and row["identity_sequence"] is not None:
            snap.identities[ref] = SequenceOptions(*row["identity_sequence"])
            definition += f" ({snap.identities[ref]})"
        elif row["identity"] and not row["is_partition"]:
            raise ValueError(f"identity column {ref} has no sequence")
        # else: a partition shares its partitioned table's identity sequence (Postgres 17+),
        # whose options are compared on that table's column and can only be altered there.
        snap.add(str(ref), definition)
        table = str(Ref(_RELKINDS[row["relkind"]], row["schema"], row["table_name"]))
        order.setdefault(table, []).append(row["name"])
        snap.record(ref, shape=shape, comment=row["comment"], acl=row["acl"] or ())
    snap.column_order = {table: tuple(names) for table, names in order.items()}


def _constraints(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["parent"]) in skip:
            continue
        kind = "domain constraint" if row["parent_kind"] == "domain" else "constraint"
        ref = Ref(kind, row["schema"], row["parent"], row["name"])
        snap.add(str(ref), row["definition"])
        if kind == "domain constraint":
            snap.domain_constraints[ref] = row["definition"]
        snap.record(ref, shape=row["definition"], comment=row["comment"])


def _indexes(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["table_name"]) in skip or (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("index", row["schema"], row["name"])
        snap.add(str(ref), row["definition"])
        snap.index_tables[ref] = Ref("table", row["schema"], row["table_name"])
        snap.record(ref, shape=row["definition"], comment=row["comment"])


def _functions(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref(_ROUTINE_KINDS[row["prokind"]], row["schema"], row["name"], row["arguments"])
        definition = row["full_definition"].strip()
        snap.add(str(ref), definition if row["prokind"] != "a"
                 else f"returns {row['result']}: {definition}")
        if row["prokind"] == "a":
            # migra never sees aggregates (schemainspect leaves prokind 'a' out): the
            # supplement creates and replaces them, so their shape is their definition.
            snap.aggregates[ref] = (definition, row["result"])
            shape = definition
        else:
            snap.function_defs[ref] = definition
            snap.calls[ref] = _routine_refs(row["calls"])
            shape = f"{row['migra_signature']}\n{row['migra_body']}"
        snap.record(ref, shape=shape, owner=row["owner"], comment=row["comment"],
                acl=row["acl"])


def _platform_acls(snap: Snapshot, rows) -> None:
    for row in rows:
        ref = Ref(row["kind"], row["schema"], row["name"], row["member"])
        snap.platform.add(ref)
        # One shape for all: the platform's structure is never compared, only privileges.
        snap.record(ref, shape="platform object", acl=row["acl"])


def _routine_refs(rows) -> frozenset[Ref]:
    return frozenset(Ref(_ROUTINE_KINDS[kind], schema, name, arguments)
                     for schema, name, arguments, kind in rows)


def _triggers(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["table_name"]) in skip:
            continue
        ref = Ref("trigger", row["schema"], row["table_name"], row["name"])
        snap.enabled[ref] = row["enabled"]
        state = catalog_kinds.TRIGGER_STATES.get(row["enabled"], row["enabled"])
        definition = f"{row['definition']} ({state})"
        snap.add(str(ref), definition)
        snap.record(ref, shape=definition, comment=row["comment"])


def _policies(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["table_name"]) in skip:
            continue
        ref = Ref("policy", row["schema"], row["table_name"], row["name"])
        roles = ", ".join(display_ident(r) if r != "PUBLIC" else r for r in row["roles"] or ())
        definition = (
            f"{'permissive' if row['permissive'] else 'restrictive'} "
            f"for {_POLICY_COMMANDS[row['command']]} to {roles}"
            + (f" using ({row['using_expr']})" if row["using_expr"] is not None else "")
            + (f" with check ({row['check_expr']})" if row["check_expr"] is not None else "")
        )
        snap.add(str(ref), definition)
        snap.record(ref, shape=definition, comment=row["comment"])


def _default_acls(snap: Snapshot, rows) -> None:
    for row in rows:
        key = DefaultAclKey(row["role"], row["schema"], row["objtype"])
        snap.default_acls[key] = grants(row["acl"])
        snap.add(str(key), render_grants(snap.default_acls[key]))


def _publications(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        publication = row["publication"]
        if row["table_name"] is None:
            snap.add(f"publication {display_ident(publication)} schema "
                     f"{display_ident(row['schema'])}", "all tables")
            continue
        if (row["schema"], row["table_name"]) in skip:
            continue
        table = Ref("table", row["schema"], row["table_name"])
        spec = table.qualified()
        if row["columns"]:
            spec += " (" + ", ".join(quote_ident(c) for c in row["columns"]) + ")"
        if row["row_filter"] is not None:
            spec += f" WHERE ({row['row_filter']})"
        snap.publications[(publication, table)] = spec
        snap.add(f"publication {display_ident(publication)} table {display_ident(row['schema'])}."
                 f"{display_ident(row['table_name'])}", spec)
