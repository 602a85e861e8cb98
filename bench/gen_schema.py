"""Generated schemas for the benchmarks: N tables, each with 8 columns, 3 indexes and 1 FK.

`schema(n)` is the base; `schema(n, changed=True)` differs in every tenth table, by one
non-destructive change that rotates through add column / add index / change default /
add check, so a diff has n // 10 changes of the kinds users make every day.
`write_project` lays out a schemadiff project (and a tusker.toml beside it): the base
as its one migration, schema.sql either the same (no change) or changed.

Run it to look at one: python bench/gen_schema.py 12 --changed
"""

from __future__ import annotations

import argparse
from pathlib import Path

MIGRATION_NAME = "20250101000000_base.sql"
PYPROJECT = """\
[project]
name = "bench-project"
version = "0"

[tool.schemadiff]
schemas = ["public"]
"""


def _name(i: int) -> str:
    return f"t{i:04d}"


def table_sql(i: int, changed: bool = False, rls: bool = False) -> str:
    """One table: 8 columns, 3 indexes besides its primary key, 1 foreign key."""
    t = _name(i)
    parent = _name(i - 1) if i > 0 else t  # table 0 references itself
    # Every tenth table changes, by one of four kinds in turn.
    kind = (i // 10) % 4 if changed and i % 10 == 9 else None
    amount_default = "1" if kind == 2 else "0"
    extra_column = ",\n    note        text" if kind == 0 else ""
    check = (f",\n    constraint {t}_amount_check check (amount >= 0)" if kind == 3 else "")
    lines = [
        f"create table public.{t} (",
        "    id          bigint generated always as identity primary key,",
        f"    parent_id   bigint references public.{parent} (id) on delete cascade,",
        "    name        text not null,",
        "    slug        text not null,",
        f"    amount      numeric(12, 2) not null default {amount_default},",
        "    active      boolean not null default true,",
        "    payload     jsonb not null default '{}'::jsonb,",
        f"    created_at  timestamptz not null default now(){extra_column}{check}",
        ");",
        f"create index {t}_parent_id_idx on public.{t} (parent_id);",
        f"create unique index {t}_slug_key on public.{t} (slug);",
        f"create index {t}_created_at_idx on public.{t} (created_at desc);",
    ]
    if kind == 1:
        lines.append(f"create index {t}_active_idx on public.{t} (active);")
    if rls:
        lines += [
            f"alter table public.{t} enable row level security;",
            f"create policy {t}_read on public.{t} for select to authenticated using (active);",
            f"create trigger {t}_touch before update on public.{t}",
            "    for each row execute function public.touch();",
        ]
    return "\n".join(lines) + "\n"


TOUCH_FUNCTION = """\
create function public.touch() returns trigger language plpgsql as $$
begin
  new.created_at := coalesce(old.created_at, now());
  return new;
end $$;
"""


def schema(n: int, changed: bool = False, rls: bool = False) -> str:
    """The whole schema of `n` tables (with RLS, a policy and a trigger per table if `rls`)."""
    parts = [TOUCH_FUNCTION] if rls else []
    parts += [table_sql(i, changed, rls) for i in range(n)]
    return "\n".join(parts)


def write_project(root: Path, n: int, *, changed: bool, rls: bool = False) -> Path:
    """A project at `root`: the base schema as its one migration, schema.sql (changed or not)."""
    migrations = root / "supabase" / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    (root / "supabase" / "rollbacks").mkdir(parents=True, exist_ok=True)
    (migrations / MIGRATION_NAME).write_text(schema(n, rls=rls), encoding="utf-8")
    (root / "schema.sql").write_text(schema(n, changed=changed, rls=rls), encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", type=int)
    parser.add_argument("--changed", action="store_true")
    parser.add_argument("--rls", action="store_true")
    args = parser.parse_args()
    print(schema(args.tables, args.changed, args.rls), end="")


if __name__ == "__main__":
    main()
