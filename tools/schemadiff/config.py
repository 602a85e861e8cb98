"""[tool.schemadiff] from pyproject.toml, with defaults and validation."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError
from .platform import NAMES as PLATFORMS

DEFAULTS_DOC = """\
[tool.schemadiff]
schema_file = "schema.sql"          # the desired state
migrations_dir = "supabase/migrations"
rollbacks_dir = "supabase/rollbacks"
schemas = ["public"]                # managed schemas
unmanaged = []                      # "schema.table" objects never touched
postgres_major = 17                 # server major (default: supabase/config.toml
                                    # [db] major_version, else a new project's: 17)
platform = "supabase"               # or "postgres": no Supabase roles, schemas, grants
legacy_grants_until = "..."         # migrations up to this version ran when Supabase
                                    # granted the API roles ALL on new objects in public
platform_sql = []                   # project files: objects production has that no
                                    # migration creates (applied first, never diffed)
reference_tables = {}               # {"public.t" = ["key_col", ...]} natural keys
api_roles = ["anon", "authenticated"]           # roles the access review follows
exposed_schemas = ["public", "graphql_public"]  # schemas the Data API serves
lock_timeout = "5s"                 # SET LOCAL at the top of each generated migration
statement_timeout = "10min"         # (and rollback); "" leaves the setting out
seed_files = ["supabase/seed.sql"]  # rows for the rehearsal (the Supabase CLI's seed);
                                    # files that do not exist are skipped
"""


# The Postgres major a new Supabase project gets (supabase/postgres: PG17 images).
NEW_PROJECT_MAJOR = 17


@dataclass(frozen=True)
class Config:
    root: Path
    schema_file: Path
    migrations_dir: Path
    rollbacks_dir: Path
    schemas: tuple[str, ...] = ("public",)
    unmanaged: tuple[str, ...] = ()
    postgres_major: int = NEW_PROJECT_MAJOR
    platform: str = "supabase"
    legacy_grants_until: str | None = None
    # Project SQL applied after the platform, before anything else, never diffed.
    platform_sql: tuple[Path, ...] = ()
    reference_tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lint: dict[str, str] = field(default_factory=dict)
    # The access review (review/access.py): who the Data API lets in, and where.
    api_roles: tuple[str, ...] = ("anon", "authenticated")
    exposed_schemas: tuple[str, ...] = ("public", "graphql_public")
    # Set (transaction-local) by every generated migration and rollback; "" leaves it out.
    lock_timeout: str = "5s"
    statement_timeout: str = "10min"
    # Rows loaded into the rehearsal database before the sample rows (when they exist).
    seed_files: tuple[Path, ...] = ()

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"


def _supabase_major(root: Path, pyproject: Path) -> int:
    """[db] major_version of the Supabase CLI's supabase/config.toml, when there is one."""
    path = root / "supabase" / "config.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return NEW_PROJECT_MAJOR
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}",
                         detail=f"Fix it, or set postgres_major in {pyproject.name}.") from exc
    db = data.get("db", {})
    return db.get("major_version", NEW_PROJECT_MAJOR) if isinstance(db, dict) else \
        NEW_PROJECT_MAJOR


def require_schemas(config: Config, present: set[str]) -> None:
    """Refuse managed schemas that exist on neither side (a typo would compare nothing)."""
    missing = [name for name in config.schemas if name not in present]
    if missing:
        raise UsageError(
            f"{config.pyproject}: [tool.schemadiff] schemas names "
            f"{', '.join(repr(n) for n in missing)}, which neither the migrations nor "
            f"{config.schema_file.name} create: nothing in it would be compared.",
            detail="Correct the name (schemas are case-sensitive), or create the schema in "
                   f"{config.schema_file.name}.")


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding a pyproject.toml."""
    for candidate in (start, *start.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise UsageError(
        f"No pyproject.toml found at or above {start}.",
        detail="Run schemadiff from your project, or pass --project DIR.",
    )


def _strings(value: object, key: str, where: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UsageError(
            f"{where}: [tool.schemadiff] {key} must be a list of non-empty strings, "
            f"got {value!r}.",
            detail=DEFAULTS_DOC,
        )
    return tuple(value)


# A Postgres duration as SET accepts it: a number and a unit (ms, s, min, h, d); "" or
# "0" also pass ("0" means no limit, "" writes no SET).
_DURATION = re.compile(r"(\d+(\.\d+)?\s*(ms|s|min|h|d)?)?")


def _duration(value: object, key: str, where: Path) -> str:
    if not isinstance(value, str) or not _DURATION.fullmatch(value.strip()):
        raise UsageError(
            f"{where}: [tool.schemadiff] {key} must be a duration such as \"5s\" or "
            f"\"10min\" (\"\" to leave it out), got {value!r}.", detail=DEFAULTS_DOC)
    return value.strip()


def load(root: Path) -> Config:
    """Read and validate [tool.schemadiff] of root/pyproject.toml (all keys optional)."""
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: not found.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from exc
    section = data.get("tool", {}).get("schemadiff", {})
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [tool.schemadiff] must be a table.", detail=DEFAULTS_DOC)
    known = {
        "schema_file", "migrations_dir", "rollbacks_dir", "schemas", "unmanaged",
        "postgres_major", "reference_tables", "lint", "platform",
        "legacy_grants_until", "platform_sql", "api_roles", "exposed_schemas",
        "lock_timeout", "statement_timeout", "seed_files",
    }
    unknown = sorted(set(section) - known)
    if unknown:
        raise UsageError(
            f"{path}: unknown key(s) in [tool.schemadiff]: {', '.join(unknown)}.",
            detail=DEFAULTS_DOC,
        )

    def path_key(key: str, default: str) -> Path:
        value = section.get(key, default)
        if not isinstance(value, str) or not value:
            raise UsageError(f"{path}: [tool.schemadiff] {key} must be a path string.")
        return root / value

    schemas = _strings(section.get("schemas", ["public"]), "schemas", path)
    if not schemas:
        raise UsageError(f"{path}: [tool.schemadiff] schemas is empty: nothing would be "
                         "compared, and every check would pass.", detail=DEFAULTS_DOC)
    unmanaged = _strings(section.get("unmanaged", []), "unmanaged", path)
    for name in unmanaged:
        if name.count(".") != 1:
            raise UsageError(
                f"{path}: [tool.schemadiff] unmanaged entry {name!r} must be 'schema.name'."
            )
    major = section.get("postgres_major", _supabase_major(root, path))
    if not isinstance(major, int) or isinstance(major, bool) or not 10 <= major <= 99:
        raise UsageError(f"{path}: [tool.schemadiff] postgres_major must be an integer, e.g. 15.")
    ref = section.get("reference_tables", {})
    if not isinstance(ref, dict):
        raise UsageError(f"{path}: [tool.schemadiff] reference_tables must be a table.")
    reference_tables = {
        (k if "." in k else f"public.{k}"): _strings(v, f"reference_tables.{k}", path)
        for k, v in ref.items()
    }
    platform = section.get("platform", "supabase")
    if platform not in PLATFORMS:
        raise UsageError(
            f"{path}: [tool.schemadiff] platform must be one of {', '.join(PLATFORMS)}, "
            f"got {platform!r}.", detail=DEFAULTS_DOC)
    legacy = section.get("legacy_grants_until")
    if legacy is not None and (not isinstance(legacy, str) or not re.fullmatch(r"\d{14}", legacy)):
        raise UsageError(
            f"{path}: [tool.schemadiff] legacy_grants_until must be a 14-digit migration "
            f"version (YYYYMMDDHHMMSS), got {legacy!r}.", detail=DEFAULTS_DOC)
    api_roles = _strings(section.get("api_roles", ["anon", "authenticated"]), "api_roles", path)
    exposed_schemas = _strings(section.get("exposed_schemas", ["public", "graphql_public"]),
                               "exposed_schemas", path)
    timeouts = {key: _duration(section.get(key, default), key, path)
                for key, default in (("lock_timeout", "5s"), ("statement_timeout", "10min"))}
    lint = section.get("lint", {})
    if not isinstance(lint, dict):
        raise UsageError(f"{path}: [tool.schemadiff.lint] must be a table.")
    return Config(
        root=root,
        schema_file=path_key("schema_file", "schema.sql"),
        migrations_dir=path_key("migrations_dir", "supabase/migrations"),
        rollbacks_dir=path_key("rollbacks_dir", "supabase/rollbacks"),
        schemas=schemas,
        unmanaged=unmanaged,
        postgres_major=major,
        platform=platform,
        legacy_grants_until=legacy,
        platform_sql=tuple(root / p for p in _strings(section.get("platform_sql", []),
                                                      "platform_sql", path)),
        reference_tables=reference_tables,
        lint={str(k): str(v) for k, v in lint.items()},
        api_roles=api_roles,
        exposed_schemas=exposed_schemas,
        **timeouts,
        seed_files=tuple(root / p for p in _strings(
            section.get("seed_files", ["supabase/seed.sql"]), "seed_files", path)),
    )
