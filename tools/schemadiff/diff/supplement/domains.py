"""Domains: migra has no domain DDL at all (create, alter, drop, nor their constraints)."""

from __future__ import annotations

from ...inspect.catalog_model import Domain, Ref, Snapshot, quote_ident


def _create(ref: Ref, domain: Domain) -> str:
    sql = f"CREATE DOMAIN {ref.qualified()} AS {domain.base_type}"
    if domain.collation:
        sql += f" COLLATE {domain.collation}"
    if domain.default is not None:
        sql += f" DEFAULT {domain.default}"
    if domain.not_null:
        sql += " NOT NULL"
    return sql + ";"


def _altered(ref: Ref, had: Domain, want: Domain) -> list[str]:
    # The base type and collation cannot change in place (Postgres has no ALTER for them);
    # such a change is left to the catalog judge, which reports it.
    alter = f"ALTER DOMAIN {ref.qualified()}"
    statements = []
    if had.default != want.default:
        statements.append(f"{alter} SET DEFAULT {want.default};" if want.default is not None
                          else f"{alter} DROP DEFAULT;")
    if had.not_null != want.not_null:
        statements.append(f"{alter} {'SET' if want.not_null else 'DROP'} NOT NULL;")
    return statements


def domains(before: Snapshot, after: Snapshot) -> list[str]:
    """CREATE DOMAIN for new domains, ALTER DOMAIN for changed ones, with their CHECKs."""
    statements = []
    for ref, want in sorted(after.domains.items()):
        had = before.domains.get(ref)
        statements += [_create(ref, want)] if had is None else _altered(ref, had, want)
    for ref, definition in sorted(after.domain_constraints.items()):
        domain = Ref("domain", ref.schema, ref.name)
        old = before.domain_constraints.get(ref) if domain in before.domains else None
        if old == definition:
            continue
        alter = f"ALTER DOMAIN {domain.qualified()}"
        if old is not None:
            statements.append(f"{alter} DROP CONSTRAINT {quote_ident(ref.member)};")
        statements.append(f"{alter} ADD CONSTRAINT {quote_ident(ref.member)} {definition};")
    for ref in sorted(before.domain_constraints.keys() - after.domain_constraints.keys()):
        domain = Ref("domain", ref.schema, ref.name)
        if domain in after.domains:
            statements.append(f"ALTER DOMAIN {domain.qualified()} "
                              f"DROP CONSTRAINT IF EXISTS {quote_ident(ref.member)};")
    return statements


def dropped_domains(before: Snapshot, after: Snapshot) -> list[str]:
    """DROP DOMAIN for domains no longer declared."""
    # No CASCADE: a column still of the domain must stop the migration, not vanish.
    return [f"DROP DOMAIN {ref.qualified()};"
            for ref in sorted(before.domains.keys() - after.domains.keys())]
