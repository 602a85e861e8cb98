"""Review: what a user must see or acknowledge before a migration is written.

`destructive` refuses statements that lose data; `lint/` shows lock and rewrite hazards
(squawk) and the schema rules squawk lacks.
"""
