"""schemadiff: a declarative schema.sql for Supabase Postgres, turned into proven migrations."""

__version__ = "0.1.0"
