"""Sequences that outlive the table (or column) that owned them.

A sequence OWNED BY a column is dropped with that column or its table. When the owner
goes away but the sequence stays (moved to another table, or left unowned), migra emits
the DROP before its `alter sequence … owned by …`, and Postgres takes the sequence along.
Releasing the ownership first (`owned by none`) keeps it; migra's own ALTER later sets
the new owner.
"""

from __future__ import annotations


def _owner_goes(sequence, to_model) -> bool:
    if not (sequence.table_name and sequence.column_name):
        return False
    table = to_model.tables.get(sequence.quoted_full_table_name)
    return table is None or sequence.column_name not in table.columns


def released_first(statements: list[str], from_model, to_model) -> list[str]:
    """`owned by none` ahead of everything for each kept sequence whose owner is dropped."""
    head = [
        f"alter sequence {sequence.quoted_full_name} owned by none;"
        for key, sequence in from_model.sequences.items()
        if key in to_model.sequences and _owner_goes(sequence, to_model)
    ]
    return head + statements if head else statements


def identity_from_serial(statements: list[str], from_model, to_model) -> list[str]:
    """A serial column that becomes an identity: its old sequence is dropped before the
    ADD GENERATED … AS IDENTITY (migra drops it last, so the identity's own sequence got
    the name `…_seq1`), and the identity continues after the rows' values."""
    moves: dict[str, tuple[str, str]] = {}  # ADD GENERATED -> (the DROP SEQUENCE, setval)
    for key, table in to_model.tables.items():
        old = from_model.tables.get(key)
        if old is None:
            continue
        for name, column in table.columns.items():
            had = old.columns.get(name)
            if not column.is_identity or had is None or had.is_identity:
                continue
            prefix = f"alter table {key} alter column {column.quoted_name} add generated "
            add = next((s for s in statements if s.startswith(prefix)), None)
            drop = next((f"drop sequence if exists {seq.quoted_full_name};"
                         for seq_key, seq in from_model.sequences.items()
                         if seq_key not in to_model.sequences
                         and seq.table_name and seq.quoted_full_table_name == key
                         and seq.column_name == name), None)
            if add is None:
                continue
            setval = (f"select setval(pg_get_serial_sequence({_literal(key)}, "
                      f"{_literal(name)}), max({column.quoted_name})) from {key} "
                      "having count(*) > 0;")
            moves[add] = (drop if drop in statements else "", setval)
    if not moves:
        return statements
    moved = {drop for drop, _ in moves.values() if drop}
    out: list[str] = []
    for statement in statements:
        if statement in moved:
            continue
        if statement in moves:
            drop, setval = moves[statement]
            out.extend([s for s in (drop, statement, setval) if s])
        else:
            out.append(statement)
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
