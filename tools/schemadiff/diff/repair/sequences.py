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
