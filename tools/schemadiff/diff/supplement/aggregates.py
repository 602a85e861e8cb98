"""Aggregates: schemainspect leaves prokind 'a' out, so migra never creates or drops one."""

from __future__ import annotations

from ...inspect.catalog_model import Snapshot


def aggregates(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE (OR REPLACE) AGGREGATE for new and changed aggregates."""
    statements = []
    for ref, (definition, result) in sorted(after.aggregates.items()):
        had = before.aggregates.get(ref)
        if had == (definition, result):
            continue
        create = f"AGGREGATE {ref.qualified()}({ref.member}) ({definition});"
        if had is None:
            statements.append(f"CREATE {create}")
        elif had[1] == result:
            # OR REPLACE keeps what uses the aggregate (views), its comment and grants.
            statements.append(f"CREATE OR REPLACE {create}")
        else:
            # Postgres cannot replace an aggregate with another result type. A view that
            # uses it stops the DROP: the proof then reports the migration as failing.
            statements += [f"DROP AGGREGATE {ref.qualified()}({ref.member});", f"CREATE {create}"]
    return statements


def dropped_aggregates(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP AGGREGATE for aggregates no longer declared."""
    return [f"DROP AGGREGATE IF EXISTS {ref.qualified()}({ref.member});"
            for ref in sorted(before.aggregates.keys() - after.aggregates.keys())]
