"""Extension version changes Postgres cannot make in place.

migra writes `alter extension … update to 'v'` both ways, but extensions ship upgrade
scripts and rarely downgrade ones. When nothing outside the extension uses it, the
extension is dropped and created again at the other version (nothing is lost). Else
dropping it would CASCADE to whatever uses it, in every schema (platform ones too) and
with the data of columns of its types, so it is never generated: a rollback without a
path is declared irreversible, and a migration without one is refused.
"""

from __future__ import annotations

from ... import sql
from ...errors import UsageError
from ...scratch import Server


def _has_path(server: Server, dbname: str, name: str, source: str, target: str) -> bool:
    [(found,)] = server.query(dbname, sql.load("repair_extension_update_path.sql"),
                              {"name": name, "source": source, "target": target})
    return bool(found)


def _used(server: Server, dbname: str, name: str) -> bool:
    [(found,)] = server.query(dbname, sql.load("repair_extension_users.sql"), {"name": name})
    return bool(found)


def _pathless(from_model, to_model, server: Server, dbname: str):
    """(name, old, new) of each extension whose version change has no update path."""
    for name, new in sorted(to_model.extensions.items()):
        old = from_model.extensions.get(name)
        if old is None or not old.version or not new.version or old.version == new.version:
            continue
        if not _has_path(server, dbname, name, old.version, new.version):
            yield name, old, new


def without_path(from_model, to_model, server: Server, dbname: str) -> list[str]:
    """One line per extension whose version change `from_model` → `to_model` has no update
    path on the server of `dbname` and that something in `dbname` uses (empty when every
    change can be made, in place or by `recreated`)."""
    return [f"extension {name} cannot go from version {old.version} to {new.version}: "
            "Postgres has no update path between them, and objects use it"
            for name, old, new in _pathless(from_model, to_model, server, dbname)
            if _used(server, dbname, name)]


def recreated(statements: list[str], from_model, to_model, server: Server,
              dbname: str) -> list[str]:
    """migra's ALTER EXTENSION … UPDATE without an update path, for an extension nothing
    in `dbname` uses: DROP EXTENSION and CREATE EXTENSION … VERSION instead."""
    replace = {}
    for name, _, new in _pathless(from_model, to_model, server, dbname):
        if not _used(server, dbname, name):
            replace[new.update_statement] = [f"drop extension {new.quoted_name};",
                                             new.create_statement]
    return [s for statement in statements for s in replace.get(statement, [statement])]


def require_path(from_model, to_model, server: Server, dbname: str) -> None:
    """Refuse a migration that changes an extension's version where no path leads."""
    missing = without_path(from_model, to_model, server, dbname)
    if missing:
        raise UsageError(
            "schema.sql asks for an extension version the database cannot be updated to.",
            detail="\n".join(f"  {line}" for line in missing)
            + "\n  Keep the version the migrations already installed in schema.sql (an "
              "extension is downgraded only by dropping it, with everything that uses it, "
              "which schemadiff does not generate).",
        )
