"""Who can read and write what: the access model of one database, read from its catalog.

For each API role (config `api_roles`) and each object the Data API serves (tables, views,
materialized views and functions in `exposed_schemas`, and storage.objects per bucket),
the model says, per command, how far the role reaches: every row, the rows a policy
allows (with the policies' expressions), or none, and why.

It adds up what Postgres adds up, in its order: USAGE on the schema; a grant on the
table or on some of its columns (to the role, a role it inherits from, or PUBLIC);
then row-level security, unless it is off, the role bypasses it (superuser, BYPASSRLS)
or owns the table and RLS is not forced: permissive policies for the command OR-ed,
restrictive ones AND-ed, none at all meaning no row. A view without security_invoker
reads its relations with its owner's rights (the owner's RLS bypass included); with it,
with the caller's. A SECURITY DEFINER function runs as its owner.

What the model cannot see: what a policy expression or a view's WHERE clause evaluates
to (a policy is "policy" unless it is plainly `true`, or for a bucket's rows plainly
`bucket_id = '<that bucket>'`); access outside SQL (the Storage API serves a public
bucket's files by URL: shown as a note).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .. import sql

TABLE_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
EXECUTE = "EXECUTE"
NONE = "none"
LEVELS = (NONE, "policy", "all")  # in order: a move right is a widening

KINDS = {"r": "table", "p": "table", "f": "foreign table", "v": "view",
         "m": "materialized view"}
# pg_relation_is_updatable's bits per command (1 << CmdType).
UPDATABLE_BITS = {"UPDATE": 4, "INSERT": 8, "DELETE": 16}
# pg_policy.polcmd letters per command; "*" (ALL) covers every command.
POLICY_CMD = {"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d"}
TRUE_VALUES = {"true", "on", "1", "yes", "t", "y"}
# A bucket's own policies compare bucket_id with its name (deparsed as below).
BUCKET_LITERAL = re.compile(r"bucket_id\s*=\s*'((?:[^']|'')*)'")


@dataclass(frozen=True)
class Policy:
    """A policy as it bears on one command: the expression it applies there."""

    table: str
    name: str
    permissive: bool
    expression: str  # USING for SELECT/UPDATE/DELETE, WITH CHECK for INSERT
    check: str | None = None  # UPDATE's WITH CHECK, when it has one

    def render(self, on: str | None = None) -> str:
        """`name: expression`, naming the table when it is not `on` (a view's base)."""
        kind = "" if self.permissive else "restrictive "
        where = "" if self.table == on else f"{self.table} "
        text = f"{kind}{where}{self.name}: {self.expression}"
        return text + (f" check {self.check}" if self.check else "")


@dataclass(frozen=True)
class Reach:
    """How far one role gets with one command on one object."""

    level: str  # "none" | "policy" | "all"
    why: str
    policies: tuple[Policy, ...] = ()
    columns: tuple[str, ...] = ()  # only these columns (column grants), when not empty
    runs_as: str | None = None  # functions and views: "owner <name>" or "caller"

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)



@dataclass(frozen=True)
class Entry:
    object: str  # "public.t", "public.f(integer)", "storage.objects[avatars]"
    kind: str
    role: str
    command: str
    reach: Reach

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.object, self.role, self.command)


@dataclass
class AccessModel:
    """Every (object, role, command) the API roles could use, and how far each reaches."""

    roles: tuple[str, ...]
    schemas: tuple[str, ...]
    entries: list[Entry] = field(default_factory=list)
    missing_roles: tuple[str, ...] = ()  # configured roles the database does not have
    notes: list[str] = field(default_factory=list)

    def by_key(self) -> dict[tuple[str, str, str], Entry]:
        return {e.key: e for e in self.entries}


def _rows(conn, name: str, params: dict | None = None) -> list[dict]:
    """The rows of sql/`name` as dicts."""
    with conn.cursor() as cur:
        cur.execute(sql.load(name), params or {})
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class _Relation:
    oid: int
    schema: str
    name: str
    relkind: str
    owner: str
    rls: bool
    rls_forced: bool
    security_invoker: bool
    updatable: int
    exposed: bool
    reads: tuple[int, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


class _Catalog:
    """The catalog facts one model needs, read in a few queries, and the reach rules."""

    def __init__(self, conn, roles: Sequence[str], schemas: Sequence[str]) -> None:
        self.relations = {
            row["oid"]: _Relation(
                row["oid"], row["schema"], row["name"], row["relkind"], row["owner"],
                row["rls"], row["rls_forced"],
                (row["security_invoker"] or "").lower() in TRUE_VALUES,
                row["updatable"] or 0, row["exposed"], tuple(row["reads"]))
            for row in _rows(conn, "access_relations.sql", {"schemas": list(schemas)})
        }
        self.buckets: list[dict] = []
        self.objects_oid: int | None = None
        for row in _rows(conn, "access_storage.sql"):
            self.objects_oid = row["oid"]
            self.relations[row["oid"]] = _Relation(
                row["oid"], "storage", "objects", "r", row["owner"], row["rls"],
                row["rls_forced"], False, 0, False, ())
            self.buckets = _rows(conn, "access_buckets.sql")
        oids = sorted(self.relations)
        # A view without security_invoker reads as its owner: the owners' rights count too.
        acting = sorted({*roles, *(r.owner for r in self.relations.values()
                                   if r.relkind == "v")})
        params = {"roles": acting, "oids": oids}
        self.privileges = {(row["role"], row["oid"]): row
                           for row in _rows(conn, "access_privileges.sql", params)}
        self.policies: dict[tuple[str, int], list[dict]] = {}
        for row in _rows(conn, "access_policies.sql", params):
            self.policies.setdefault((row["role"], row["oid"]), []).append(row)
        self.functions = _rows(conn, "access_functions.sql",
                               {"roles": list(roles), "schemas": list(schemas)})

    # --- relations -------------------------------------------------------------------

    def relation_reach(self, role: str, oid: int, command: str,
                       bucket: str | None = None) -> Reach:
        """How far `role` reaches with `command` on relation `oid` (a bucket's rows only)."""
        rel = self.relations[oid]
        grants = self.privileges.get((role, oid))
        if grants is None:
            return Reach(NONE, f"role {role} does not exist")
        if not grants["usage"]:
            return Reach(NONE, f"no USAGE on schema {rel.schema}")
        if not grants[f"can_{command.lower()}"]:
            return Reach(NONE, f"no {command} grant")
        columns = tuple(grants.get(f"{command.lower()}_columns") or ())
        if rel.relkind == "v":
            reach = self._view_reach(role, rel, command)
        elif rel.relkind == "m":
            reach = (Reach("all", "materialized view (no row-level security)")
                     if command == "SELECT" else Reach(NONE, "materialized view: read-only"))
        else:
            reach = self._rls_reach(role, rel, command, grants, bucket)
        return replace(reach, columns=columns) if columns and reach.level != NONE else reach

    def _view_reach(self, role: str, view: _Relation, command: str) -> Reach:
        if command != "SELECT" and not view.updatable & UPDATABLE_BITS[command]:
            return Reach(NONE, "view is not updatable")
        acting = role if view.security_invoker else view.owner
        runs_as = "caller" if view.security_invoker else f"owner {view.owner}"
        how = ("security_invoker: the caller's rights" if view.security_invoker else
               f"no security_invoker: runs as its owner {view.owner}")
        bases = [b for b in view.reads if b in self.relations]
        if not bases:
            return Reach("all", f"view ({how}) reads no table", runs_as=runs_as)
        # Joined relations: the view gets no further than the most limited one.
        reaches = [self.relation_reach(acting, b, command) for b in bases]
        worst = min(reaches, key=lambda r: r.rank)
        policies = tuple(p for r in reaches for p in r.policies)
        why = f"view ({how}); " + "; ".join(
            f"{self.relations[b].qualified}: {r.level} ({r.why})"
            for b, r in zip(bases, reaches, strict=True))
        return Reach(worst.level, why, policies if worst.level == "policy" else (),
                     runs_as=runs_as)

    def _rls_reach(self, role: str, rel: _Relation, command: str, grants: dict,
                   bucket: str | None) -> Reach:
        if not rel.rls:
            return Reach("all", "row-level security off")
        if grants["superuser"] or grants["bypassrls"]:
            return Reach("all", f"{role} bypasses row-level security")
        if grants["owns"] and not rel.rls_forced:
            return Reach("all", f"{role} owns {rel.qualified} (RLS not forced)")
        permissive: list[Policy] = []
        restrictive: list[Policy] = []
        for row in self.policies.get((role, rel.oid), []):
            if row["cmd"] not in ("*", POLICY_CMD[command]):
                continue
            if bucket is not None and not _about_bucket(row, bucket):
                continue
            policy = _policy(rel.qualified, row, command)
            (permissive if row["permissive"] else restrictive).append(policy)
        if not permissive:
            return Reach(NONE, f"row-level security on, no {command} policy for {role}")
        if not restrictive and any(_plainly_true(p, bucket) for p in permissive):
            plain = next(p for p in permissive if _plainly_true(p, bucket))
            return Reach("all", f"policy {plain.name} allows every row", (plain,))
        return Reach("policy", "rows the policies allow", (*permissive, *restrictive))

    # --- functions -------------------------------------------------------------------

    def function_entries(self) -> Iterable[Entry]:
        for row in self.functions:
            name = f"{row['schema']}.{row['name']}({row['args']})"
            if not row["usage"]:
                reach = Reach(NONE, f"no USAGE on schema {row['schema']}")
            elif not row["can_execute"]:
                reach = Reach(NONE, "no EXECUTE grant")
            elif row["security_definer"]:
                reach = Reach("all", f"SECURITY DEFINER: runs as its owner {row['owner']}, "
                                     "with the owner's rights", runs_as=f"owner {row['owner']}")
            else:
                reach = Reach("all", "runs with the caller's own rights", runs_as="caller")
            yield Entry(name, "function", row["role"], EXECUTE, reach)


def _policy(table: str, row: dict, command: str) -> Policy:
    if command == "INSERT":
        # An ALL policy without WITH CHECK checks new rows with its USING expression.
        expression = row["check_expr"] or row["using_expr"]
        return Policy(table, row["name"], row["permissive"], expression or "true")
    check = row["check_expr"] if command == "UPDATE" else None
    return Policy(table, row["name"], row["permissive"], row["using_expr"] or "true", check)


def _plainly_true(policy: Policy, bucket: str | None = None) -> bool:
    """Whether the policy allows every row: `true`, or, for a bucket's rows, just
    `bucket_id = '<that bucket>'`."""
    plain = {"true"}
    if bucket is not None:
        plain.add(("bucket_id = '" + bucket.replace("'", "''") + "'::text").lower())
    return (_bare(policy.expression) in plain
            and (policy.check is None or _bare(policy.check) in plain))


def _bare(expression: str) -> str:
    text = expression.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.lower()


def _about_bucket(row: dict, bucket: str) -> bool:
    """Whether a storage.objects policy bears on `bucket`: it names no bucket, or names it.

    Read from the expression's text: a policy naming buckets otherwise (`= ANY (...)`)
    counts for every bucket, so the model errs towards showing more access, not less.
    """
    text = " ".join(filter(None, (row["using_expr"], row["check_expr"])))
    named = {m.replace("''", "'") for m in BUCKET_LITERAL.findall(text)}
    return not named or bucket in named


def model(conn, roles: Sequence[str], schemas: Sequence[str]) -> AccessModel:
    """The access model of the database `conn` is connected to."""
    existing = {row["role"] for row in _rows(conn, "access_roles.sql", {"roles": list(roles)})}
    present = tuple(r for r in roles if r in existing)
    result = AccessModel(tuple(roles), tuple(schemas),
                         missing_roles=tuple(r for r in roles if r not in existing))
    catalog = _Catalog(conn, present, schemas)
    for rel in sorted(catalog.relations.values(), key=lambda r: r.qualified):
        if not rel.exposed:
            continue
        commands = ("SELECT",) if rel.relkind == "m" else TABLE_COMMANDS
        for role in present:
            for command in commands:
                result.entries.append(Entry(rel.qualified, KINDS[rel.relkind], role, command,
                                            catalog.relation_reach(role, rel.oid, command)))
    for bucket in catalog.buckets:
        assert catalog.objects_oid is not None  # buckets are read only when it exists
        name = f"storage.objects[{bucket['id']}]"
        if bucket["public"]:
            result.notes.append(f"bucket {bucket['id']} is public: anyone with a file's URL "
                                "downloads it through the Storage API, whatever the policies")
        for role in present:
            for command in TABLE_COMMANDS:
                reach = catalog.relation_reach(role, catalog.objects_oid, command,
                                               bucket=bucket["id"])
                result.entries.append(Entry(name, "bucket", role, command, reach))
    result.entries.extend(catalog.function_entries())
    return result


# --- rendering (data for the CLI; it prints) ---------------------------------------------


def cell(entry: Entry) -> str:
    """A reach in a few characters: '-' none, 'all', 'policy'; functions 'owner'/'caller'."""
    reach = entry.reach
    if reach.level == NONE:
        return "-"
    if entry.command == EXECUTE:
        return "caller" if reach.runs_as == "caller" else "owner"
    text = reach.level
    if entry.kind == "view" and reach.runs_as != "caller":
        text += " (owner)"
    if reach.columns:
        text += f" [{', '.join(reach.columns)}]"
    return text


def as_json(entry: Entry) -> dict:
    """One entry as the JSON `schemadiff access --json` prints."""
    reach = entry.reach
    return {
        "object": entry.object, "kind": entry.kind, "role": entry.role,
        "command": entry.command, "reach": reach.level, "why": reach.why,
        "policies": [{"table": p.table, "name": p.name, "permissive": p.permissive,
                      "expression": p.expression, "check": p.check} for p in reach.policies],
        "columns": list(reach.columns) or None, "runs_as": reach.runs_as,
    }


def table_lines(access: AccessModel) -> list[str]:
    """The model as a table: one row per object and role, one column per command."""
    commands = (*TABLE_COMMANDS, EXECUTE)
    rows: dict[tuple[str, str, str], dict[str, Entry]] = {}
    for entry in access.entries:
        rows.setdefault((entry.object, entry.kind, entry.role), {})[entry.command] = entry
    header = ["object", "kind", "role", *commands]
    body = [[obj, kind, role, *(cell(cmds[c]) if c in cmds else "" for c in commands)]
            for (obj, kind, role), cmds in rows.items()]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *body]]
    if not body:
        lines.append(f"(nothing in {', '.join(access.schemas)} for {', '.join(access.roles)})")
    footnotes = []
    for entry in access.entries:
        for policy in entry.reach.policies:
            footnotes.append(f"  {entry.object} {entry.role} {entry.command}: "
                             f"{policy.render(on=entry.object)}")
    if footnotes:
        lines += ["", "policies (the rows they allow):", *footnotes]
    if any(e.command == EXECUTE or e.kind == "view" for e in access.entries):
        lines += ["", "owner: runs with its owner's rights (a SECURITY DEFINER function, a "
                      "view without security_invoker); caller: with the caller's own"]
    lines += [f"note: {note}" for note in access.notes]
    if access.missing_roles:
        lines.append(f"note: no role {', '.join(access.missing_roles)} in this database")
    return lines
