"""migra's model of a database, restricted to the managed scope: the only module that
imports migra (and schemainspect).

One migra run covers every managed schema at once (so cross-schema dependencies are
ordered together); objects outside them, and `unmanaged` ones, are filtered out of
both inspections before diffing, so they are never dropped or altered.
"""

from __future__ import annotations

import functools
import threading
import warnings
from types import SimpleNamespace

from psycopg2.extras import NamedTupleCursor

from .fastimport import preload_schemainspect
from .fastmigra import differences, two_connection_inspector
from .scope import Scope


@functools.cache
def _migra() -> SimpleNamespace:
    """migra and schemainspect, imported on first use (0.05 s that `warm_up` hides).

    Not SQLAlchemy or sqlbag: schemainspect also inspects through a plain psycopg2
    cursor (its `is_raw_psyco_connection` path), which saves importing SQLAlchemy
    (0.2-0.35 s, on every run's critical path) and its per-row overhead.
    """
    preload_schemainspect()  # before migra: see fastimport.py (saves 0.3-0.8 s per run)
    with warnings.catch_warnings():
        # schemainspect imports pkg_resources, which warns on import.
        warnings.simplefilter("ignore")
        import migra.changes
        import schemainspect.pg.obj
        from migra import Migration
        from schemainspect.pg.obj import PROPS, PostgreSQL
    migra.changes.differences = differences
    _patch_queries(schemainspect.pg.obj)
    selectable = schemainspect.pg.obj.InspectedSelectable
    selectable.has_compatible_columns = _has_compatible_columns
    selectable.is_partitioning_child_table = property(_is_partition)
    return SimpleNamespace(Migration=Migration, PROPS=PROPS,
                           Inspector=two_connection_inspector(PostgreSQL))


# (module constant, text schemainspect has, text we run instead); each must be found.
_QUERY_PATCHES = (
    # A table whose every column was dropped still has its (dropped) pg_attribute rows:
    # filtering them after the LEFT JOIN removed the table itself from the model, so
    # migra wanted to create it again. Filtered inside the join, it keeps one NULL row,
    # as a table created with no columns does.
    ("ALL_RELATIONS_QUERY",
     "on r.oid = a.attrelid and a.attnum > 0\n",
     "on r.oid = a.attrelid and a.attnum > 0 and not a.attisdropped\n"),
    # `partition_def` holds a partition's bound, else a partitioned table's key: a
    # partition that is itself partitioned lost its key (and was created as a plain
    # partitioned table with its bound for a key). It gets both, as CREATE TABLE … PARTITION
    # OF takes them; pg_get_partkeydef is NULL for a table that is not partitioned.
    ("ALL_RELATIONS_QUERY",
     "pg_get_expr(c.relpartbound, c.oid, true)\n",
     "pg_get_expr(c.relpartbound, c.oid, true)\n"
     "          || coalesce(' partition by ' || pg_catalog.pg_get_partkeydef(c.oid), '')\n"),
)


def _patch_queries(obj) -> None:
    """Fix schemainspect's catalog queries before any inspector reads them."""
    for constant, wrong, right in _QUERY_PATCHES:
        text = getattr(obj, constant)
        if right in text:
            continue  # already patched (this module was imported anew)
        if wrong not in text:
            raise RuntimeError(f"schemainspect's {constant} is not the text schemadiff patches "
                               f"(looked for {wrong.strip()!r}): is schemainspect pinned?")
        setattr(obj, constant, text.replace(wrong, right))


def _has_compatible_columns(self, other) -> bool:
    """schemainspect's InspectedSelectable.has_compatible_columns, by full type and collation.

    The original compares (name, regtype): a typmod (varchar(100) → varchar(255)) or
    collation change then looks compatible, so migra keeps the views that read the
    column and ALTER COLUMN … TYPE fails ("cannot alter type of a column used by a
    view"); CREATE OR REPLACE VIEW refuses such a change of a view's own column too.
    """
    def shape(columns) -> list[tuple]:
        return [(k, c.dbtypestr, c.collation) for k, c in columns.items()]

    items = shape(self.columns)
    if self.relationtype != "f":
        items = items[:len(other.columns)]  # a view may gain columns at the end
    return items == shape(other.columns)


def _is_partition(self) -> bool:
    """schemainspect's InspectedSelectable.is_partitioning_child_table, for partitions that
    are partitioned themselves too (relkind 'p'; the original asks for 'r'). A partitioned
    table cannot be an inheritance child, so a parent and a bound make it a partition."""
    return bool(self.relationtype in ("r", "p") and self.parent_table and self.partition_def)


def warm_up() -> None:
    """Import migra in a background thread, while the caller starts Postgres."""
    threading.Thread(target=_migra, name="schemadiff-import-migra", daemon=True).start()


def restrict(inspected, scope: Scope):
    """`inspected` (a schemainspect model) with only what `scope` manages, in place."""
    for prop in _migra().PROPS.split():
        if prop == "extensions":
            # Extensions are database-wide; schema.sql is where they come from.
            continue
        if prop == "schemas":
            inspected.schemas = {k: v for k, v in inspected.schemas.items()
                                 if v.schema in scope.schemas}
            continue
        items = getattr(inspected, prop)
        setattr(inspected, prop, {k: v for k, v in items.items() if scope.keeps(v)})
    for table in inspected.tables.values():
        # schemainspect's attach statement reads `partition_spec`, which it never sets
        # (AttributeError as soon as a table becomes a partition); repair.py rewrites
        # the statement it then builds, whose table names are also the wrong way round.
        table.partition_spec = table.partition_def
    return inspected


def inspect(connect, scope: Scope):
    """A migra (schemainspect) model of a database, restricted to `scope`.

    `connect()` opens a psycopg2 connection to it; it is called twice (see
    fastmigra.py), and both connections are closed here.
    """
    def qualifying():
        # search_path = pg_catalog: format_type and the pg_get_*def functions then qualify
        # every user object (column types, REFERENCES, EXECUTE FUNCTION, defaults), so the
        # generated SQL never depends on the search_path it runs under.
        conn = connect()
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('search_path', 'pg_catalog', false)")
        return conn

    conn = qualifying()
    try:
        # Rows as named tuples: schemainspect reads columns as attributes.
        with conn.cursor(cursor_factory=NamedTupleCursor) as cursor:
            return restrict(_migra().Inspector(cursor, qualifying), scope)
    finally:
        conn.close()


def same(a_model, b_model) -> bool:
    """Whether two models hold the same objects, each equal: then migra emits nothing.

    migra's every change comes from comparing these dictionaries key by key
    (`a[key] != b[key]`), so this is its "no statements" verdict without the 0.5 s
    (1000 tables) it spends sorting and grouping them to write statements.
    """
    for prop in _migra().PROPS.split():
        a, b = getattr(a_model, prop), getattr(b_model, prop)
        if a.keys() != b.keys() or any(value != b[key] for key, value in a.items()):
            return False
    return True


def migration_statements(from_model, to_model) -> list[str]:
    """The DDL migra emits to turn `from_model` into `to_model` (both from `inspect`), as
    migra writes it (the diff stage tidies it)."""
    if same(from_model, to_model):
        return []
    migration = _migra().Migration(from_model, to_model)
    migration.set_safety(False)
    migration.add_all_changes(privileges=True)
    return [s for s in migration.statements if s.strip()]
