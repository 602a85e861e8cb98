"""A table that becomes (or stops being) partitioned is re-created: its rows are copied
into the new table, its identity continues after them, and foreign keys to it hold."""

from __future__ import annotations

from pathlib import Path

from roundtrip import roundtrip
from schemadiff.apply import apply_sql
from schemadiff.build import apply_into
from schemadiff.sources import SqlFile

CASES = Path(__file__).parent / "fixtures" / "convergence"

ROWS = """
insert into public.events (happened_on) values ('2024-02-01'), ('2024-03-05'), ('2024-12-31');
"""

KIND = "select relkind from pg_class where oid = 'public.events'::regclass"


def _run(server, dbname: str, text: str) -> list[tuple]:
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute(text)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _migrate(server, dbname: str, label: str, text: str) -> None:
    conn = server.connect(dbname, autocommit=False)
    try:
        apply_sql(conn, SqlFile(Path(label), text))
    finally:
        conn.close()


def test_rows_survive_regular_to_partitioned_and_back(server, databases):
    case = CASES / "part_regular_to_partitioned_serial"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, ROWS)
        before = _run(server, db, "select id, seq, happened_on from public.events order by id")
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, KIND) == [("p",)]
        assert _run(server, db, "select id, seq, happened_on from public.events order by id") \
            == before
        # serial and identity continue after the copied rows
        _run(server, db, "insert into public.events (happened_on) values ('2024-06-01')")
        assert _run(server, db, "select id, seq from public.events where happened_on = "
                                "'2024-06-01'") == [(4, 4)]
        _migrate(server, db, "down", result.down_text)
        assert _run(server, db, KIND) == [("r",)]
        assert len(_run(server, db, "select 1 from public.events")) == 4
        assert not _run(server, db, "select 1 from pg_class where relname like '%before_rebuild'")
    finally:
        databases.drop(db)


def test_foreign_keys_to_a_re_created_table_check_its_copied_rows(server, databases):
    case = CASES / "part_regular_to_partitioned_referenced"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, "insert into public.devices values (1, 'phone');"
                         "insert into public.pings values (10, 1, 'phone')")
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, "select d.id, p.id from public.pings p "
                                "join public.devices d on d.id = p.device_id") == [(1, 10)]
        # one key (a key to a partitioned table also has a row per partition it reaches)
        assert _run(server, db, "select count(*) from pg_constraint where contype = 'f' and "
                                "conparentid = 0 and conrelid = 'public.pings'::regclass") == [(1,)]
    finally:
        databases.drop(db)


def test_rows_survive_a_table_starting_to_inherit(server, databases):
    case = CASES / "inherit_existing_table_joins"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, "insert into public.videos values (1, 'intro', 30), (2, 'demo', 95)")
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, "select id, title, seconds from public.videos order by id") \
            == [(1, "intro", 30), (2, "demo", 95)]
        # the parent now sees the child's rows; the shared columns are inherited-only
        assert _run(server, db, "select count(*) from public.media") == [(2,)]
        assert _run(server, db, "select attname from pg_attribute where attrelid = "
                                "'public.videos'::regclass and attnum > 0 and attislocal "
                                "order by attname") == [("seconds",)]
    finally:
        databases.drop(db)


def test_rows_survive_two_tables_referring_to_each_other_becoming_partitioned(server,
                                                                             databases):
    case = CASES / "part_regular_to_partitioned_cycle"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, "insert into public.teams values ('nba', 'lakers', null);"
                         "insert into public.players values ('nba', 'lebron', 'lakers');"
                         "update public.teams set captain = 'lebron'")
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, "select t.name, p.name from public.teams t join "
                                "public.players p on p.name = t.captain") == [("lakers", "lebron")]
        assert _run(server, db, "select count(*) from pg_constraint where contype = 'f' "
                                "and conparentid = 0 and connamespace = 'public'::regnamespace"
                    ) == [(2,)]
        _migrate(server, db, "down", result.down_text)
        assert _run(server, db, "select p.team, t.captain from public.players p join "
                                "public.teams t on t.name = p.team") == [("lakers", "lebron")]
    finally:
        databases.drop(db)


def test_a_serial_turned_identity_continues_after_the_rows_and_keeps_the_name(server,
                                                                              databases):
    case = CASES / "sequence_serial_to_identity"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, "insert into public.tickets (title) values ('a'), ('b'), ('c')")
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, "select pg_get_serial_sequence('public.tickets', 'id')") \
            == [("public.tickets_id_seq",)]
        _run(server, db, "insert into public.tickets (title) values ('d')")
        assert _run(server, db, "select id from public.tickets where title = 'd'") == [(4,)]
    finally:
        databases.drop(db)


def test_a_child_column_keeps_its_values_when_it_becomes_the_parents_and_back(server,
                                                                             databases):
    case = CASES / "inherit_parent_adds_child_column"
    result = roundtrip(server, databases, case)
    db = databases.create("rows")
    try:
        apply_into(server, db, case / "a.sql")
        _run(server, db, "insert into public.invoices values (1, 'a', 9.5, '2024-05-01')")
        values = "select id, amount, created_at::date::text from public.invoices"
        _migrate(server, db, "up", result.up_text)
        assert _run(server, db, values) == [(1, 9.5, "2024-05-01")]
        # the parent's DROP COLUMN is ONLY: the child keeps the column and its values
        _migrate(server, db, "down", result.down_text)
        assert _run(server, db, values) == [(1, 9.5, "2024-05-01")]
    finally:
        databases.drop(db)
