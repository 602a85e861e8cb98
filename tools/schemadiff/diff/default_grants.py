"""migra's grants on a new table that the default privileges already give it.

migra grants a new table every privilege the desired database shows, as if tables started
with none; but CREATE TABLE already hands out what the creator's default privileges say
(on Supabase today: TRUNCATE, REFERENCES and TRIGGER to anon, authenticated and
service_role in public; everything, under the legacy grants). Such a GRANT changes nothing
and hides the one that matters among them, so it is left out. The prediction is the one
supplement/acl.py makes for the objects migra never grants, and the proof still checks the
result.
"""

from __future__ import annotations

import re

from ..inspect.catalog_model import Grant, Ref, Snapshot
from . import classify
from .supplement.acl import new_object_acl

# migra's one-privilege-per-line grant, e.g.  grant select on table "public"."t" to "anon";
_GRANT = re.compile(r'^grant (?P<privilege>[a-z ]+) on table "(?P<schema>(?:[^"]|"")+)"\.'
                    r'"(?P<name>(?:[^"]|"")+)" to (?P<role>"(?:[^"]|"")+"|[a-z_][a-z0-9_]*);$')


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def without_default_grants(statements: list[str], defaults: Snapshot) -> list[str]:
    """`statements` without the GRANTs on tables they create that `defaults` (a snapshot of
    the database the migration runs on) already gives those tables at CREATE TABLE."""
    if any(classify.default_privilege_schemas(s) is not None for s in statements):
        return statements  # the migration changes the default privileges itself
    created = {t for t in map(classify.created_table, statements) if t}
    if not created:
        return statements
    kept = []
    for statement in statements:
        match = _GRANT.match(statement)
        if match:
            schema, name = match["schema"].replace('""', '"'), match["name"].replace('""', '"')
            if f"{schema}.{name}" in created:
                acl = new_object_acl(defaults, Ref("table", schema, name), defaults.creator)
                role, privilege = _unquote(match["role"]), match["privilege"].upper()
                if {Grant(role, privilege, False), Grant(role, privilege, True)} & acl:
                    continue
        kept.append(statement)
    return kept
