"""Statements migra does not emit, so that a migration converges under the catalog judge too.

Comments, sequence options, FORCE ROW LEVEL SECURITY, relation options (view
security_invoker), function settings (SET search_path), publication membership, grants
migra cannot see (schemas, columns, functions, sequences, views, types; table grants that
default privileges add to a new table) and ALTER DEFAULT PRIVILEGES.

The statements run after migra's, one module per kind of object; `fates.py` says what
migra does to each object, which decides what each module must write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...inspect.catalog_model import Snapshot
from .acl import default_privilege_statements
from .comments import comments
from .fates import Fates
from .functions import function_settings
from .grants import object_grants
from .owners import owners
from .publications import publications
from .sequences import identity_options, sequence_options
from .tables import forced_rls, relation_options

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
    ]
