"""Adopting a project and watching it: `pull` (history or a live database → schema.sql),
`drift` (a live database vs the migrations) and `erd` (a picture of schema.sql)."""
