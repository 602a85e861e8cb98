"""Statements migra does not emit, so that a migration converges under the catalog judge too.

Kinds migra has no DDL for at all, or gets wrong (collations, domains, range types,
aggregates, extended statistics, rules, casts, operators, text search dictionaries and
configurations): created and
altered first, so that their comments, owners and grants below find them; dropped last,
after migra's statements stopped using them. Then, of the kinds migra does create:
comments, sequence options, FORCE ROW LEVEL SECURITY, relation options (view
security_invoker), function settings (SET search_path), triggers and rules disabled or
enabled for replicas, publication membership, grants migra cannot see (schemas, columns,
functions, sequences, views, types; table grants that default privileges add to a new
table) and ALTER DEFAULT PRIVILEGES.

The statements run after migra's, one module per kind of object; `fates.py` says what
migra does to each object, which decides what each module must write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...inspect.catalog_model import Snapshot
from .acl import default_privilege_statements
from .aggregates import aggregates, dropped_aggregates
from .casts import casts, dropped_casts
from .collations import collations, dropped_collations
from .comments import comments
from .domains import domains, dropped_domains
from .enabled import enabled
from .fates import Fates
from .functions import function_settings
from .grants import object_grants
from .operators import dropped_operators, operators
from .owners import owners
from .publications import publications
from .ranges import dropped_ranges, ranges
from .rules import dropped_rules, rules
from .sequences import identity_options, sequence_options
from .statistics import dropped_statistics, statistics
from .tables import forced_rls, relation_options
from .text_search import dropped_text_search, text_search

__all__ = ["Supplement", "supplement"]


@dataclass
class Supplement:
    """`up` turns current into desired after migra's DDL; `down` undoes it after the rollback's."""

    up: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)


def supplement(current: Snapshot, desired: Snapshot) -> Supplement:
    """The statements migra misses, both ways, in a deterministic order."""
    return Supplement(up=converge(current, desired), down=converge(desired, current))


def converge(before: Snapshot, after: Snapshot) -> list[str]:
    """Statements that, run after migra's, take `before` to `after` for what migra misses."""
    fate = Fates(before, after)
    return [
        *collations(before, after),
        *text_search(before, after),
        *domains(before, after),
        *ranges(before, after),
        *aggregates(before, after),
        *operators(before, after),
        *casts(before, after),
        *statistics(before, after, fate),
        *rules(before, after, fate),
        *enabled(before, after, fate),
        *owners(before, after, fate),
        *function_settings(before, after, fate),
        *sequence_options(before, after, fate),
        *identity_options(before, after, fate),
        *forced_rls(before, after, fate),
        *relation_options(before, after, fate),
        *publications(before, after, fate),
        *object_grants(before, after, fate),
        *default_privilege_statements(before, after),
        *comments(before, after, fate),
        # What depends on another comes off first.
        *dropped_rules(before, after),
        *dropped_statistics(before, after),
        *dropped_casts(before, after),
        *dropped_operators(before, after),
        *dropped_aggregates(before, after),
        *dropped_text_search(before, after),
        *dropped_ranges(before, after),
        *dropped_domains(before, after),
        *dropped_collations(before, after),
    ]
