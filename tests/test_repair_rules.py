"""The pure rules behind repair.py: enum label placement, composite ALTER TYPE, quoting."""

from __future__ import annotations

from types import SimpleNamespace

import pglast

from schemadiff.diff.repair import composites, enums
from schemadiff.diff.repair import quoting as fixups


def test_addition_keeps_old_labels_in_order():
    assert enums.is_addition(["a", "c"], ["a", "b", "c"])
    assert enums.is_addition(["a"], ["z", "a"])
    assert not enums.is_addition(["a", "b"], ["b", "a", "c"])  # reordered
    assert not enums.is_addition(["a", "b"], ["a"])  # removed
    assert not enums.is_addition(["a", "b"], ["a", "b"])  # unchanged


def test_new_labels_are_placed_next_to_their_neighbours():
    statements = enums.add_value_statements('"public"."s"', ["open", "closed"],
                                            ["draft", "new", "open", "doing", "closed", "gone"])
    assert statements == [
        """alter type "public"."s" add value 'draft' before 'open';""",
        """alter type "public"."s" add value 'new' after 'draft';""",
        """alter type "public"."s" add value 'doing' after 'open';""",
        """alter type "public"."s" add value 'gone' after 'closed';""",
    ]


def test_labels_cannot_inject_sql():
    nasty = "x'); drop table t; --"
    [statement] = enums.add_value_statements('"public"."s"', ["a"], ["a", nasty])
    parsed = pglast.parse_sql(statement)
    assert len(parsed) == 1
    assert parsed[0].stmt.newVal == nasty
    assert enums.add_value_statements('"p"."s"', ["a"], ["a", "back\\slash"])[0].endswith(
        "add value E'back\\\\slash' after 'a';")


def _column(dbtypestr, collation=None):
    return SimpleNamespace(dbtypestr=dbtypestr, collation=collation)


def test_composite_alter_when_kept_attributes_stay_first():
    old = {"a": _column("integer"), "b": _column("text"), "c": _column("text")}
    new = {"a": _column("bigint"), "c": _column("text"), "d e": _column("text", "C")}
    assert composites.alter_clauses(old, new) == [
        'drop attribute "b"',
        'alter attribute "a" type bigint',
        'add attribute "d e" text collate "C"',
    ]


def test_composite_reorder_is_not_an_alter():
    old = {"a": _column("integer"), "b": _column("text")}
    assert composites.alter_clauses(old, {"b": _column("text"), "a": _column("integer")}) is None
    assert composites.alter_clauses(old, {"x": _column("text"), "a": _column("integer")}) is None


def test_policy_roles_are_quoted_but_public_stays_a_keyword():
    policy = SimpleNamespace(
        roles=["public", 'ro"le;x', "anon"], qual="true", withcheck=None,
        quoted_name='"p"', quoted_full_table_name='"public"."t"',
        permissiveness="permissive", commandtype_keyword="select",
    )
    text = fixups._policy_create(policy)
    assert 'to public, "ro""le;x", "anon"' in text
    [parsed] = pglast.parse_sql(text)
    roles = [r.rolename or r.roletype for r in parsed.stmt.roles]
    assert roles[1:] == ['ro"le;x', "anon"]


def test_enum_labels_are_literals():
    assert fixups.enum_labels(["won't", "a"]) == "'won''t', 'a'"
