"""What a catalog snapshot holds: object references, grants, and the Snapshot itself."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

# Kinds named "<schema>.<table>.<member>": they live on a table (or domain).
MEMBER_KINDS = ("column", "constraint", "domain constraint", "trigger", "policy", "rule")
ROUTINE_KINDS = ("function", "procedure", "aggregate")
RELATION_KINDS = ("table", "view", "materialized view", "sequence", "foreign table")

# The keyword COMMENT ON / GRANT ... ON use for each kind.
_SQL_KEYWORD = {
    "schema": "SCHEMA",
    "table": "TABLE",
    "view": "VIEW",
    "materialized view": "MATERIALIZED VIEW",
    "sequence": "SEQUENCE",
    "foreign table": "FOREIGN TABLE",
    "index": "INDEX",
    "type": "TYPE",
    "enum": "TYPE",
    "range type": "TYPE",
    "domain": "DOMAIN",
    "collation": "COLLATION",
    "function": "FUNCTION",
    "procedure": "PROCEDURE",
    "aggregate": "AGGREGATE",
    "column": "COLUMN",
    "constraint": "CONSTRAINT",
    "domain constraint": "CONSTRAINT",
    "trigger": "TRIGGER",
    "policy": "POLICY",
    "rule": "RULE",
    "statistics": "STATISTICS",
    "operator": "OPERATOR",
    "cast": "CAST",
    "text search configuration": "TEXT SEARCH CONFIGURATION",
    "text search dictionary": "TEXT SEARCH DICTIONARY",
}

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")


def quote_ident(name: str) -> str:
    """Always-quoted SQL identifier: safe for any name, including quotes and unicode."""
    if "\x00" in name:
        raise ValueError(f"identifier contains a NUL byte: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def display_ident(name: str) -> str:
    """An identifier quoted only when it needs to be, for readable messages."""
    return name if _PLAIN_IDENT.match(name) else quote_ident(name)


def quote_literal(text: str) -> str:
    """A string literal that means `text` whatever standard_conforming_strings says."""
    if "\x00" in text:
        raise ValueError("string contains a NUL byte")
    body = text.replace("'", "''")
    if "\\" in text:
        # E'' reads backslashes as escapes under either setting, so double them.
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


@dataclass(frozen=True, order=True)
class Ref:
    """One database object: kind, schema, name and (for table members) the member name.

    For routines, `member` holds the identity arguments (pg_get_function_identity_arguments);
    for an operator, its argument types ("left, right"; NONE for a prefix operator's left);
    for a cast, `name` and `member` are the source and target types as SQL (format_type)
    and `schema` is empty; for a schema, `schema` is its name and `name` is empty.
    """

    kind: str
    schema: str
    name: str = ""
    member: str = ""

    def __str__(self) -> str:
        if self.kind == "schema":
            return f"schema {display_ident(self.schema)}"
        if self.kind == "cast":
            return f"cast ({self.name} as {self.member})"
        if self.kind == "operator":
            return f"operator {display_ident(self.schema)}.{self.name}({self.member})"
        qualified = f"{display_ident(self.schema)}.{display_ident(self.name)}"
        if self.kind in ROUTINE_KINDS:
            return f"{self.kind} {qualified}({self.member})"
        if self.kind in MEMBER_KINDS:
            return f"{self.kind} {qualified}.{display_ident(self.member)}"
        return f"{self.kind} {qualified}"

    @property
    def parent(self) -> Ref | None:
        """The table (or domain) a member lives on."""
        if self.kind == "domain constraint":
            return Ref("domain", self.schema, self.name)
        if self.kind in MEMBER_KINDS:
            return Ref("table", self.schema, self.name)
        return None

    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    def sql(self) -> str:
        """The object as COMMENT ON names it, e.g. `CONSTRAINT "c" ON "public"."t"`."""
        keyword = _SQL_KEYWORD[self.kind]
        if self.kind == "schema":
            return f"{keyword} {quote_ident(self.schema)}"
        if self.kind == "cast":
            return f"{keyword} ({self.name} AS {self.member})"
        if self.kind == "operator":
            # An operator's name is not an identifier: never quoted.
            return f"{keyword} {quote_ident(self.schema)}.{self.name} ({self.member})"
        if self.kind == "column":
            return f"{keyword} {self.qualified()}.{quote_ident(self.member)}"
        if self.kind == "domain constraint":
            return f"{keyword} {quote_ident(self.member)} ON DOMAIN {self.qualified()}"
        if self.kind in MEMBER_KINDS:
            return f"{keyword} {quote_ident(self.member)} ON {self.qualified()}"
        if self.kind in ROUTINE_KINDS:
            return f"{keyword} {self.qualified()}({self.member})"
        return f"{keyword} {self.qualified()}"

    def grant_target(self) -> str:
        """The object as GRANT ... ON names it (views and the like are TABLEs there)."""
        if self.kind in ("table", "view", "materialized view", "foreign table"):
            return f"TABLE {self.qualified()}"
        if self.kind == "aggregate":
            return f"FUNCTION {self.qualified()}({self.member})"
        if self.kind in ("enum", "range type"):
            return f"TYPE {self.qualified()}"
        return self.sql()


class Grant(NamedTuple):
    """One privilege held by one role ('PUBLIC' for everyone); the grantor is left out."""

    grantee: str
    privilege: str
    grantable: bool


def grants(rows: Iterable[Iterable] | None) -> frozenset[Grant]:
    """Grants from the [grantee, privilege, grantable] triples the catalog queries return."""
    return frozenset(Grant(g, p, bool(o)) for g, p, o in rows or ())


def render_grants(acl: frozenset[Grant], owner: str | None = None) -> str:
    """Sorted, one group per grantee; the owner is shown as `owner` so owners compare apart."""
    by_grantee: dict[str, list[str]] = {}
    for grant in acl:
        who = "owner" if owner is not None and grant.grantee == owner else grant.grantee
        by_grantee.setdefault(who, []).append(grant.privilege + ("*" if grant.grantable else ""))
    if not by_grantee:
        return "(none)"
    return "; ".join(
        f"{display_ident(who) if who not in ('PUBLIC', 'owner') else who}: "
        + ", ".join(sorted(privileges))
        for who, privileges in sorted(by_grantee.items())
    )


class SequenceOptions(NamedTuple):
    """The options ALTER SEQUENCE sets; `create sequence x;` gives NEW_SEQUENCE."""

    type: str
    start: int
    increment: int
    minvalue: int
    maxvalue: int
    cache: int
    cycle: bool

    def __str__(self) -> str:
        return (
            f"as {self.type} start {self.start} increment {self.increment} "
            f"min {self.minvalue} max {self.maxvalue} cache {self.cache}"
            + (" cycle" if self.cycle else " no cycle")
        )


NEW_SEQUENCE = SequenceOptions("bigint", 1, 1, 1, 2**63 - 1, 1, False)
_TYPE_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def new_identity(column_type: str) -> SequenceOptions:
    """The options of `GENERATED ... AS IDENTITY` with none given, on a column of that type."""
    return SequenceOptions(column_type, 1, 1, 1, _TYPE_MAX.get(column_type, 2**63 - 1), 1, False)


class DefaultAclKey(NamedTuple):
    """One ALTER DEFAULT PRIVILEGES entry: FOR ROLE role [IN SCHEMA schema] ON objtype."""

    role: str
    schema: str | None  # None: the database-wide entry
    objtype: str  # pg_default_acl.defaclobjtype: r S f T n

    def __str__(self) -> str:
        where = f" in schema {display_ident(self.schema)}" if self.schema is not None else ""
        what = OBJTYPE_WORDS[self.objtype]
        return f"default privileges for role {display_ident(self.role)}{where} on {what}"


OBJTYPE_WORDS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}


class Domain(NamedTuple):
    """A domain's own properties; its CHECK constraints are Snapshot.domain_constraints."""

    base_type: str
    collation: str | None
    default: str | None
    not_null: bool

    def __str__(self) -> str:
        parts = [self.base_type]
        if self.collation:
            parts.append(f"collate {self.collation}")
        if self.not_null:
            parts.append("not null")
        if self.default is not None:
            parts.append(f"default {self.default}")
        return " ".join(parts)


class Statistics(NamedTuple):
    """An extended statistics object: its CREATE STATISTICS, target and table."""

    definition: str
    target: int | None  # None: the default statistics target
    table: Ref


class TsConfiguration(NamedTuple):
    parser: str
    # (token type alias, the dictionaries it is looked up in, in order), sorted by alias
    mappings: tuple[tuple[str, tuple[str, ...]], ...]


class Unmodelled(NamedTuple):
    """An object of a kind the tool does not model (pg_identify_object's words)."""

    kind: str  # e.g. "event trigger", "collation", "operator class"
    identity: str  # e.g. "public.oc USING hash"
    schema: str | None
    name: str | None  # the bare name, to find its CREATE statement

    def __str__(self) -> str:
        return f"{self.kind} {self.identity}"


@dataclass
class Snapshot:
    """A database's managed schemas, as the judge compares and the supplement reads them."""

    # identity -> normalized definition: everything the judge compares.
    objects: dict[str, str] = field(default_factory=dict)
    # table identity -> column names in attnum order (reported as notes, never failures).
    column_order: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Every object that exists -> what migra compares for it: when that changes, migra may
    # drop and re-create the object, losing its comment and grants.
    shapes: dict[Ref, str] = field(default_factory=dict)
    # Objects a view reads (migra re-creates the view when one of them changes).
    reads: dict[Ref, frozenset[Ref]] = field(default_factory=dict)
    # Platform objects (auth, storage, realtime) whose privileges alone are managed.
    platform: set[Ref] = field(default_factory=set)
    # Routines a view or routine calls, where pg_depend records it (see fates.py).
    calls: dict[Ref, frozenset[Ref]] = field(default_factory=dict)
    # Index or statistics object -> its table.
    index_tables: dict[Ref, Ref] = field(default_factory=dict)
    domains: dict[Ref, Domain] = field(default_factory=dict)
    # Collation -> CREATE COLLATION's option list (provider, locale, deterministic).
    collations: dict[Ref, str] = field(default_factory=dict)
    # Range type -> CREATE TYPE ... AS RANGE's option list.
    ranges: dict[Ref, str] = field(default_factory=dict)
    # Domain CHECK constraint -> pg_get_constraintdef.
    domain_constraints: dict[Ref, str] = field(default_factory=dict)
    # Aggregate -> (CREATE AGGREGATE's option list, its result type).
    aggregates: dict[Ref, tuple[str, str]] = field(default_factory=dict)
    statistics: dict[Ref, Statistics] = field(default_factory=dict)
    # Rule -> pg_get_ruledef: a complete CREATE RULE statement.
    rules: dict[Ref, str] = field(default_factory=dict)
    # Trigger or rule -> when it fires (tgenabled, ev_enabled): O origin, D, R replica, A always.
    enabled: dict[Ref, str] = field(default_factory=dict)
    # Cast -> CREATE CAST's method and context, e.g. "WITH FUNCTION f(a) AS ASSIGNMENT".
    casts: dict[Ref, str] = field(default_factory=dict)
    # Operator -> CREATE OPERATOR's option list.
    operators: dict[Ref, str] = field(default_factory=dict)
    # Text search dictionary -> (template, pg_ts_dict.dictinitoption).
    ts_dictionaries: dict[Ref, tuple[str, str | None]] = field(default_factory=dict)
    ts_configurations: dict[Ref, TsConfiguration] = field(default_factory=dict)
    owners: dict[Ref, str] = field(default_factory=dict)
    comments: dict[Ref, str] = field(default_factory=dict)
    acls: dict[Ref, frozenset[Grant]] = field(default_factory=dict)
    sequences: dict[Ref, SequenceOptions] = field(default_factory=dict)
    # Identity column -> its sequence's options.
    identities: dict[Ref, SequenceOptions] = field(default_factory=dict)
    rls_forced: dict[Ref, bool] = field(default_factory=dict)
    rel_options: dict[Ref, tuple[str, ...]] = field(default_factory=dict)
    function_defs: dict[Ref, str] = field(default_factory=dict)
    # (publication, table) -> the table's spec: column list and row filter, as SQL.
    publications: dict[tuple[str, Ref], str] = field(default_factory=dict)
    default_acls: dict[DefaultAclKey, frozenset[Grant]] = field(default_factory=dict)
    # objtype (r s f T n) -> (to_public, privilege) that acldefault() gives on this server.
    acldefault: dict[str, frozenset[tuple[bool, str]]] = field(default_factory=dict)
    # Objects of kinds the tool neither generates nor compares beyond their existence.
    unmodelled: dict[str, Unmodelled] = field(default_factory=dict)
    # The role the snapshot ran as: the owner of whatever a migration run as it creates.
    creator: str = ""

    def record(self, ref: Ref, *, shape: str, owner: str | None = None,
               comment: str | None = None, acl=None) -> None:
        """The facts every object may have: its shape, owner, comment and privileges."""
        self.shapes[ref] = shape
        if owner is not None:
            self.owners[ref] = owner
            self.add(f"owner {ref}", owner)
        if comment is not None:
            self.comments[ref] = comment
            self.add(f"comment {ref}", comment)
        if acl is not None:
            self.acls[ref] = grants(acl)
            if self.acls[ref]:
                parent = ref.parent
                self.add(f"acl {ref}", render_grants(
                    self.acls[ref],
                    owner or (self.owners.get(parent) if parent is not None else None)))

    def add(self, identity: str, definition: str) -> None:
        if identity in self.objects:
            raise ValueError(f"two catalog objects share the identity {identity!r}")
        self.objects[identity] = definition
