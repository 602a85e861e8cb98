"""The migration files: naming, order, checksums, rendering and atomic writes.

The only module that knows how migration files are named:
`supabase/migrations/<14-digit UTC version>_<name>.sql`, with the rollback under the
same name in `supabase/rollbacks/` (never inside migrations/: the Supabase CLI would
apply it as a forward migration). Files already in the history may be named as loosely
as the Supabase CLI accepts (`<digits>_<anything>.sql`: real apps have `001_enums.sql`
and `0_init.sql`), and are read in file-name order as the CLI applies them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UsageError

FILE_PATTERN = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")


# What the Supabase CLI applies (supabase/cli pkg/migration/file.go, migrateFilePattern
# `^([0-9]+)_(.*)\.sql$`; list.go reads the directory in name order): an existing history
# may use any of it.
HISTORY_PATTERN = re.compile(r"^(?P<version>\d+)_(?P<name>.*)\.sql$", re.DOTALL)


NAME_PATTERN = re.compile(r"^[a-z0-9_]+$")


VERSION_PATTERN = re.compile(r"^\d{14}$")


CHECKSUM_FILE = "schemadiff.sum"


# A rollback file holding this line declares its migration irreversible.
IRREVERSIBLE_MARKER = "-- schemadiff: irreversible"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    rollback: Path  # may not exist

    @property
    def stem(self) -> str:
        return f"{self.version}_{self.name}"

    def irreversible(self) -> bool:
        """True when the rollback file exists and declares the migration irreversible."""
        if not self.rollback.is_file():
            return False
        return declares_irreversible(
            self.rollback.read_text(encoding="utf-8", errors="replace"))


def declares_irreversible(rollback_text: str) -> bool:
    """Whether a rollback's text declares its migration irreversible (holds the marker line)."""
    return any(line.strip() == IRREVERSIBLE_MARKER for line in rollback_text.splitlines())


def list_migrations(migrations_dir: Path, rollbacks_dir: Path) -> list[Migration]:
    """Every migration in version order; misnamed files and duplicate versions are errors."""
    if not migrations_dir.is_dir():
        return []
    found: dict[str, Migration] = {}
    now = _utc_version()
    entries = sorted(migrations_dir.iterdir(), key=lambda p: p.name)
    for position, path in enumerate(entries):
        # Not SQL at all (a README beside the migrations): the CLI skips it, and so do we.
        if path.is_dir() or path.name.startswith(".") or not path.name.lower().endswith(".sql"):
            continue
        if position == 0 and _legacy_init(path.name):
            continue  # the CLI skips it too (see _legacy_init)
        match = HISTORY_PATTERN.match(path.name)
        if not match:
            raise UsageError(
                f"{path}: migration file name must match <version>_<name>.sql, as the "
                "Supabase CLI requires (it skips any other file); new migrations are named "
                "<14-digit UTC version>_<name>.sql, e.g. 20250115000000_add_items.sql.",
                detail="Rename the file, or move it out of the migrations directory.",
            )
        version = match["version"]
        # The CLI takes any digits, and real histories hold versions that are no date
        # (`00000000000000_baseline.sql`, minute 60); one that sorts after now is refused:
        # every migration written from now on would sort before it.
        if version > now:
            raise UsageError(
                f"{path}: version {version} sorts after now ({now}, UTC): a migration "
                "generated from now on would sort before it.",
                detail="Rename the file with its real creation time (YYYYMMDDHHMMSS, UTC), "
                       "as `--version` requires.",
            )
        if version in found:
            raise UsageError(
                f"{path}: version {version} is also used by {found[version].path.name}.",
                detail="Each migration needs its own version: rename one of them.",
            )
        found[version] = Migration(version, match["name"], path, rollbacks_dir / path.name)
    # The CLI's order: file names, not versions ("10_b.sql" comes before "1_a.sql").
    return sorted(found.values(), key=lambda migration: migration.path.name)


# supabase/cli pkg/migration/list.go (shouldSkip): a first file `<timestamp>_init.sql`
# older than 20211209000000 is what old CLI versions wrote as the remote's dump; the CLI
# skips it ("replace \"init\" with a different file name to apply this migration").
_LEGACY_INIT = re.compile(r"([0-9]{14})_init\.sql")


def _legacy_init(name: str) -> bool:
    match = _LEGACY_INIT.search(name)
    return match is not None and int(match[1]) < 20211209000000


def valid_version(version: str) -> bool:
    """14 digits that read as a UTC date and time."""
    if not VERSION_PATTERN.match(version):
        return False
    try:
        datetime.strptime(version, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"migration name {name!r} may hold only lowercase letters, digits and underscores, "
            "e.g. add_items_table."
        )


def _utc_version(moment: datetime | None = None) -> str:
    """`moment` (default now) as a 14-digit UTC version."""
    return (moment or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")


def new_version(existing: list[Migration], requested: str | None = None,
                now: datetime | None = None) -> str:
    """The version for a new migration: `requested`, or now (UTC); after every existing one."""
    current = _utc_version(now)
    if requested is not None:
        if not VERSION_PATTERN.match(requested):
            raise UsageError(f"--version {requested!r} must be 14 digits, YYYYMMDDHHMMSS (UTC).")
        if not valid_version(requested):
            raise UsageError(f"--version {requested} is not a valid UTC date and time.")
        if requested > current:
            # As a history file's version (list_migrations): every later run would refuse it.
            raise UsageError(f"--version {requested} sorts after now ({current}, UTC): "
                             "a migration generated from now on would sort before it.",
                             detail="Pass the time it is written, or leave --version out.")
        version = requested
    else:
        version = current
        if now is None and existing and version == existing[-1].version:
            # The newest migration was written this very second (two diffs in a row, a
            # script): the next second is a version of its own, and never in the future.
            time.sleep(1.0 - datetime.now(UTC).microsecond / 1e6)
            version = _utc_version()
    if existing and version <= existing[-1].version:
        raise UsageError(
            f"version {version} does not sort after the newest migration "
            f"{existing[-1].path.name}.",
            detail="Pass a later --version, or check the machine's clock.",
        )
    return version


def planned(history: list[Migration], migrations_dir: Path, rollbacks_dir: Path, name: str,
            version: str | None = None) -> Migration:
    """The migration `diff` is about to write: its version (`version`, or now), after every
    migration of `history`, and the paths of it and its rollback."""
    check_name(name)
    version = new_version(history, version)
    stem = f"{version}_{name}"
    return Migration(version, name, migrations_dir / f"{stem}.sql", rollbacks_dir / f"{stem}.sql")


# Rendering and files, re-exported: callers name them migrations.X.
from .files import (  # noqa: E402
    atomic_write_all,
    check_integrity,
    checksum_path,
    read_checksums,
    record_checksums,
    render_checksums,
    require_integrity,
    sha256,
    text_sha256,
    write_rollback,
    write_with_checksums,
)
from .render import (  # noqa: E402
    LOSSY_MARKER,
    TIMEOUTS,
    acknowledged_in,
    destructive_in,
    header,
    irreversible_header,
    render,
    render_pair,
    timeouts,
)

__all__ = [
    "CHECKSUM_FILE",
    "FILE_PATTERN",
    "IRREVERSIBLE_MARKER",
    "LOSSY_MARKER",
    "Migration",
    "NAME_PATTERN",
    "TIMEOUTS",
    "VERSION_PATTERN",
    "acknowledged_in",
    "atomic_write_all",
    "check_integrity",
    "check_name",
    "checksum_path",
    "declares_irreversible",
    "destructive_in",
    "header",
    "irreversible_header",
    "list_migrations",
    "new_version",
    "planned",
    "read_checksums",
    "record_checksums",
    "render",
    "render_checksums",
    "render_pair",
    "require_integrity",
    "sha256",
    "text_sha256",
    "timeouts",
    "valid_version",
    "write_rollback",
    "write_with_checksums",
]
