"""The catalog judge's readers for kinds beyond tables, views and routines: types, domains,
collations, extended statistics, rules, casts, operators, text search, and what the tool does not
model (compared by its catalog row, refused when it changes)."""

from __future__ import annotations

import json

from .catalog_model import Domain, Ref, Snapshot, Statistics, TsConfiguration, Unmodelled

# pg_trigger.tgenabled and pg_rewrite.ev_enabled.
TRIGGER_STATES = {"O": "enabled", "D": "disabled", "R": "enabled replica", "A": "enabled always"}
_TYPE_KINDS = {"e": "enum", "c": "type", "r": "range type"}


def types(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref(_TYPE_KINDS[row["typtype"]], row["schema"], row["name"])
        definition = row["definition"] or ""
        if row["typtype"] == "e":
            definition = ", ".join(json.loads(definition))
        elif row["typtype"] == "r":
            snap.ranges[ref] = definition
        snap.add(str(ref), definition)
        # Enums change by re-creation.
        snap.record(ref, shape=definition, owner=row["owner"], comment=row["comment"],
                acl=row["acl"])


def collations(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("collation", row["schema"], row["name"])
        snap.collations[ref] = row["definition"]
        snap.add(str(ref), row["definition"])
        # No ALTER changes a collation's definition: a new one is a re-creation.
        snap.record(ref, shape=row["definition"], owner=row["owner"], comment=row["comment"])


def domains(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("domain", row["schema"], row["name"])
        domain = Domain(row["base_type"], row["collation"], row["default_expr"],
                        row["not_null"])
        snap.domains[ref] = domain
        snap.add(str(ref), str(domain))
        # ALTER DOMAIN changes one in place; nothing re-creates it.
        snap.record(ref, shape="domain", owner=row["owner"], comment=row["comment"],
                acl=row["acl"])


def statistics(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip or (row["table_schema"], row["table_name"]) in skip:
            continue
        ref = Ref("statistics", row["schema"], row["name"])
        table = Ref("table", row["table_schema"], row["table_name"])
        stats = Statistics(row["definition"], row["target"], table)
        snap.statistics[ref] = stats
        snap.index_tables[ref] = table
        target = f" (statistics target {stats.target})" if stats.target is not None else ""
        snap.add(str(ref), stats.definition + target)
        snap.record(ref, shape=stats.definition, owner=row["owner"], comment=row["comment"])


def rules(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["table_name"]) in skip:
            continue
        ref = Ref("rule", row["schema"], row["table_name"], row["name"])
        snap.rules[ref] = row["definition"]
        snap.enabled[ref] = row["enabled"]
        snap.add(str(ref), f"{row['definition']} ({TRIGGER_STATES.get(row['enabled'])})")
        snap.record(ref, shape=row["definition"], comment=row["comment"])


def casts(snap: Snapshot, rows) -> None:
    for row in rows:
        ref = Ref("cast", "", row["source"], row["target"])
        snap.casts[ref] = row["definition"]
        snap.add(str(ref), row["definition"])
        snap.record(ref, shape=row["definition"], comment=row["comment"])


def operators(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("operator", row["schema"], row["name"],
                  f"{row['left_type']}, {row['right_type']}")
        snap.operators[ref] = row["definition"]
        snap.add(str(ref), row["definition"])
        snap.record(ref, shape=row["definition"], owner=row["owner"], comment=row["comment"])


def ts_dictionaries(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("text search dictionary", row["schema"], row["name"])
        snap.ts_dictionaries[ref] = (row["template"], row["options"])
        definition = f"template {row['template']}" + (
            f" ({row['options']})" if row["options"] else "")
        snap.add(str(ref), definition)
        snap.record(ref, shape=row["template"], owner=row["owner"], comment=row["comment"])


def ts_configurations(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        if (row["schema"], row["name"]) in skip:
            continue
        ref = Ref("text search configuration", row["schema"], row["name"])
        config = TsConfiguration(row["parser"], tuple(
            (alias, tuple(dicts)) for alias, dicts in row["mappings"]))
        snap.ts_configurations[ref] = config
        mappings = "; ".join(f"{alias}: {', '.join(dicts)}" for alias, dicts in config.mappings)
        snap.add(str(ref), f"parser {config.parser}; {mappings}")
        snap.record(ref, shape=config.parser, owner=row["owner"], comment=row["comment"])


def unmodelled(snap: Snapshot, rows, skip) -> None:
    for row in rows:
        # sql/catalog_coverage.sql returns only kinds without a catalog_<kind>.sql.
        if (row["schema"], row["name"]) in skip:
            continue
        found = Unmodelled(row["kind"], row["identity"], row["schema"], row["name"])
        snap.unmodelled[str(found)] = found
        # Its catalog row is compared where the query gives it, else its existence.
        snap.add(f"unmodelled {found}", row["fingerprint"] or "exists")
