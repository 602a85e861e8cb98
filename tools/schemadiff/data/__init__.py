"""Reference data as declared state: the rows schema.sql INSERTs, diffed by natural key.

Schema diff tools stop at DDL. Here every table that schema.sql INSERTs into, plus
every table listed in [tool.schemadiff] reference_tables, holds reference data: its
rows are matched between two databases by a natural key and turned into idempotent
upserts and deletes, and the reverse for the rollback.

- `declared`: which tables, which columns, which natural key (from schema.sql and config);
- `tables`: one table's catalog and rows as one database holds them;
- `literals`: values as Postgres prints them, and back as SQL literals;
- `rows`: the upserts and deletes between two databases, and their comparison.
"""
