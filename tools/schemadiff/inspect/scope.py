"""The managed scope: which schemas and objects the tool diffs, and which it leaves alone."""

from __future__ import annotations

from dataclasses import dataclass

# Schemas the platform owns (Supabase ships no policies or project triggers in them).
PLATFORM_SCHEMAS = ("auth", "storage", "realtime")


@dataclass(frozen=True)
class Scope:
    """What the tool manages: schemas, minus `schema.name` objects listed as unmanaged."""

    schemas: tuple[str, ...]
    unmanaged: tuple[str, ...] = ()

    def keeps(self, obj: object) -> bool:
        schema = getattr(obj, "schema", None)
        if schema not in self.schemas and not self._on_platform_table(obj):
            return False
        for attr in ("name", "table_name"):
            name = getattr(obj, attr, None)
            if name and f"{schema}.{name}" in self.unmanaged:
                return False
        return True

    def keeps_rows(self, table: object) -> bool:
        """Whether the rows schema.sql INSERTs into `table` are managed: a managed table's,
        or a platform table's (bucket rows in storage.buckets are the project's)."""
        return self.keeps(table) or getattr(table, "schema", None) in PLATFORM_SCHEMAS

    def _on_platform_table(self, obj: object) -> bool:
        """A policy, or a trigger calling a managed function, that the project put on a
        platform table (storage.objects, auth.users): the project's, so diffed."""
        if getattr(obj, "schema", None) not in PLATFORM_SCHEMAS:
            return False
        if type(obj).__name__ == "InspectedRowPolicy":
            return True
        if type(obj).__name__ == "InspectedTrigger":
            return getattr(obj, "proc_schema", None) in self.schemas
        return False
