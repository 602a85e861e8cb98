"""Enum changes as ALTER TYPE … ADD VALUE instead of migra's rename-and-recreate.

migra changes any enum by renaming it away, creating the new one, re-casting columns
and dropping the old one. That breaks whenever anything but a plain column uses the
type: a function argument (the old type can't be dropped), a partial index, CHECK or
policy comparing to a label (the re-cast finds no operator). When the old labels are
kept, in order, inside the new list, adding the missing labels in place is all it
takes, and nothing that uses the type is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...inspect.catalog_model import quote_ident, quote_literal
from ...scratch import Server
from ..statements import tidy
from . import dependents

# migra's name for the renamed-away type (migra.changes.get_enum_modifications).
_OLD_SUFFIX = "__old_version_to_be_dropped"



def is_addition(old_labels, new_labels) -> bool:
    """True when `new_labels` only inserts labels around `old_labels` (kept, in order)."""
    return [label for label in new_labels if label in old_labels] == list(old_labels) and len(
        new_labels
    ) > len(old_labels)


def add_value_statements(quoted_type: str, old_labels, new_labels) -> list[str]:
    """One ALTER TYPE … ADD VALUE per new label, each placed next to its neighbour."""
    statements = []
    present = list(old_labels)
    for position, label in enumerate(new_labels):
        if label in present:
            continue
        if position == 0:
            where = f"before {quote_literal(present[0])}"
        else:
            where = f"after {quote_literal(new_labels[position - 1])}"
        statements.append(f"alter type {quoted_type} add value {quote_literal(label)} {where};")
        present.append(label)
    return statements


@dataclass
class EnumRewrite:
    """What to take out of migra's statements and what to put in place of the create."""

    drop: list[str] = field(default_factory=list)  # exact texts, each removed once
    replace: dict[str, list[str]] = field(default_factory=dict)
    added: dict[str, list[str]] = field(default_factory=dict)  # type → new labels


def _uses(from_model, to_model, quoted_type: str):
    """(table, before column, after column) of each column migra re-casts for this enum."""
    for key, table in to_model.tables.items():
        before_table = from_model.tables.get(key)
        if before_table is None:
            continue
        for name, column in table.columns.items():
            before = before_table.columns.get(name)
            if before is None or column == before:
                continue
            if (column.is_enum and before.is_enum and column.dbtypestr == before.dbtypestr
                    and column.enum != before.enum
                    and column.enum is not None and column.enum.quoted_full_name == quoted_type):
                yield table, before, column


def plan_rewrite(from_model, to_model) -> EnumRewrite:
    """The ADD VALUE rewrite of every enum that only gains labels."""
    rewrite = EnumRewrite()
    for key, new in to_model.enums.items():
        old = from_model.enums.get(key)
        if old is None or not is_addition(old.elements, new.elements):
            continue
        quoted = new.quoted_full_name
        rewrite.drop.append(tidy(old.alter_rename_statement(new.name + _OLD_SUFFIX)))
        rewrite.drop.append(tidy(new.drop_statement_with_rename(new.name + _OLD_SUFFIX)))
        rewrite.replace[tidy(new.create_statement)] = add_value_statements(
            quoted, old.elements, new.elements
        )
        rewrite.added[quoted] = [label for label in new.elements if label not in old.elements]
        for table, before, column in _uses(from_model, to_model, quoted):
            rewrite.drop.append(tidy(column.change_enum_statement(table.quoted_full_name)))
            if column.default and not column.is_generated:
                rewrite.drop.append(tidy(before.drop_default_statement(table.quoted_full_name)))
                rewrite.drop.append(tidy(before.add_default_statement(table.quoted_full_name)))
    return rewrite


def rewritten(statements: list[str], from_model, to_model) -> list[str]:
    """migra's statements with rename-and-recreate of enums that only gain labels replaced."""
    rewrite = plan_rewrite(from_model, to_model)
    if not rewrite.replace:
        return statements
    pending = list(rewrite.drop)
    out: list[str] = []
    for statement in statements:
        if statement in pending:
            pending.remove(statement)
        elif statement in rewrite.replace:
            out.extend(rewrite.replace[statement])
        else:
            out.append(statement)
    return out


# --- Enums that lose or reorder labels: migra's re-creation, made to work. -------------

def _dependents_query() -> str:
    return dependents.query("repair_type_dependents.sql")


def _dependents(server: Server, dbname: str, enum) -> list[tuple[str, str]]:
    """(kind, model key) of what blocks re-creating `enum` in `dbname`."""
    rows = server.query(dbname, _dependents_query(),
                        {"schema": enum.schema, "name": enum.name})
    found = []
    for kind, schema, parent, name in rows:
        if kind in ("index", "view"):
            key = f"{quote_ident(schema)}.{quote_ident(name)}"
        elif kind == "function":
            key = f"{quote_ident(schema)}.{quote_ident(name)}({parent})"
        else:
            key = f"{quote_ident(schema)}.{quote_ident(parent)}.{quote_ident(name)}"
        found.append((kind, key))
    return found


_COLLECTIONS = {"index": "indexes", "constraint": "constraints", "policy": "rlspolicies",
                "trigger": "triggers", "function": "functions", "view": "selectables"}


# Drop what depends on others first: a policy may call a function that uses the type.
_DROP_ORDER = ("policy", "trigger", "constraint", "index", "view", "function")


def _depth(model, key: str, among: set[str], seen: frozenset[str] = frozenset()) -> int:
    """How many of `among` the view or function `key` reads through (0: none)."""
    selectable = model.selectables.get(key)
    if selectable is None or key in seen:
        return 0
    inner = [_depth(model, other, among, seen | {key})
             for other in selectable.dependent_on if other in among]
    return 1 + max(inner) if inner else 0


def _array_recasts(to_model, new) -> tuple[list[str], list[str]]:
    """Array-of-enum columns migra leaves alone: (before the rename, after the create)."""
    pre, post = [], []
    array = f"{new.quoted_full_name}[]"
    for table in to_model.tables.values():
        for column in table.columns.values():
            if column.dbtypestr.removeprefix(f"{quote_ident(new.schema)}.") != f"{new.name}[]" \
                    and column.dbtypestr != f"{new.schema}.{new.name}[]":
                continue
            name, where = quote_ident(column.name), table.quoted_full_name
            if column.default:
                pre.append(f"alter table {where} alter column {name} drop default;")
            post.append(f"alter table {where} alter column {name} type {array} "
                        f"using {name}::text::{array};")
            if column.default:
                post.append(f"alter table {where} alter column {name} "
                            f"set default {column.default};")
    return pre, post


def recreated(statements: list[str], from_model, to_model, server: Server,
              dbname: str, additions: bool = False) -> list[str]:
    """migra's re-creation of enums that lose or reorder labels, with what blocks it
    (partial indexes, CHECKs, policies, triggers, functions, views using the type)
    dropped first and re-created after, array columns re-cast, and without migra's
    re-adding of an outdated default."""
    drops: list[tuple[int, int, str]] = []
    creates: list[tuple[int, str]] = []
    unwanted: list[str] = []
    after_create: dict[str, list[str]] = {}
    for key, new in to_model.enums.items():
        old = from_model.enums.get(key)
        if old is None or old == new or (is_addition(old.elements, new.elements)
                                         and not additions):
            continue
        for table, before, column in _uses(from_model, to_model, new.quoted_full_name):
            if column.default and not column.is_generated and before.default != column.default:
                # migra puts back the old default (which may name a removed label) and
                # then sets the new one: only the new one is wanted.
                unwanted.append(tidy(before.add_default_statement(table.quoted_full_name)))
        pre, post = _array_recasts(to_model, new)
        drops += [(len(_DROP_ORDER), 0, s) for s in pre]
        after_create[tidy(new.create_statement)] = post
        found = _dependents(server, dbname, old)
        keys = {dep_key for _, dep_key in found}
        for kind, dep_key in found:
            collection = _COLLECTIONS[kind]
            before_obj = getattr(from_model, collection).get(dep_key)
            after_obj = getattr(to_model, collection).get(dep_key)
            if before_obj is not None:
                # A view reading another goes first (deepest first), and is created last.
                drops.append((_DROP_ORDER.index(kind), -_depth(from_model, dep_key, keys),
                              tidy(before_obj.drop_statement)))
            if after_obj is not None:
                creates.append((_depth(to_model, dep_key, keys), tidy(after_obj.create_statement)))
    if not (drops or creates or unwanted or any(after_create.values())):
        return statements
    head = list(dict.fromkeys(s for *_, s in sorted(drops, key=lambda d: (d[0], d[1]))))
    tail = list(dict.fromkeys(s for _, s in sorted(creates, key=lambda c: c[0])))
    kept: list[str] = []
    for statement in statements:
        if statement in unwanted:
            unwanted.remove(statement)
        elif statement in head or statement in tail:
            continue  # migra's own drop/create of it: ours come in the right places
        else:
            kept.append(statement)
            kept.extend(after_create.get(statement, []))
    return head + kept + tail
