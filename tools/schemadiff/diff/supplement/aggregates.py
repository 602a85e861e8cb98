"""Aggregates: schemainspect leaves prokind 'a' out, so migra never creates or drops one."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot


def aggregates(before: Snapshot, after: Snapshot) -> list[str]:
    statements = []
    for ref, definition in sorted(after.aggregates.items()):
        had = before.aggregates.get(ref)
        if had == definition:
            continue
        # OR REPLACE keeps what uses the aggregate (views) and its comment and grants.
        verb = "CREATE" if had is None else "CREATE OR REPLACE"
        statements.append(f"{verb} AGGREGATE {ref.qualified()}({ref.member}) ({definition});")
    return statements


def dropped_aggregates(before: Snapshot, after: Snapshot) -> list[str]:
    return [f"DROP AGGREGATE IF EXISTS {ref.qualified()}({ref.member});"
            for ref in sorted(before.aggregates.keys() - after.aggregates.keys())]
