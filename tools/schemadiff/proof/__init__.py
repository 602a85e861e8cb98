"""Proof: nothing is written, or trusted, unless a real Postgres agrees (both judges)."""
