"""The migration files: naming, order, checksums, rendering and atomic writes.

The only module that knows how migration files are named:
`supabase/migrations/<14-digit UTC version>_<name>.sql`, with the rollback under the
same name in `supabase/rollbacks/` (never inside migrations/: the Supabase CLI would
apply it as a forward migration).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import UsageError, VerificationError, WriteError

FILE_PATTERN = re.compile(r"^(?P<version>\d{14})_(?P<name>[a-z0-9_]+)\.sql$")
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
        return any(
            line.strip() == IRREVERSIBLE_MARKER
            for line in self.rollback.read_text(encoding="utf-8", errors="replace").splitlines()
        )


def list_migrations(migrations_dir: Path, rollbacks_dir: Path) -> list[Migration]:
    """Every migration in version order; misnamed files and duplicate versions are errors."""
    if not migrations_dir.is_dir():
        return []
    found: dict[str, Migration] = {}
    for path in sorted(migrations_dir.iterdir()):
        if path.is_dir() or path.name.startswith("."):
            continue
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise UsageError(
                f"{path}: migration file name must match <14-digit version>_<name>.sql "
                "(lowercase letters, digits, underscores), e.g. 20250115000000_add_items.sql.",
                detail="Rename the file, or move it out of the migrations directory.",
            )
        version = match["version"]
        if not valid_version(version):
            raise UsageError(
                f"{path}: version {version} is not a valid UTC date and time (YYYYMMDDHHMMSS).",
                detail="Rename the file with its real creation time, as `--version` requires; "
                       "a version far in the future would sort after every later migration.",
            )
        if version in found:
            raise UsageError(
                f"{path}: version {version} is also used by {found[version].path.name}.",
                detail="Each migration needs its own version: rename one of them.",
            )
        found[version] = Migration(version, match["name"], path, rollbacks_dir / path.name)
    return [found[v] for v in sorted(found)]


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


def new_version(existing: list[Migration], requested: str | None = None,
                now: datetime | None = None) -> str:
    """The version for a new migration: `requested`, or now (UTC); after every existing one."""
    if requested is not None:
        if not VERSION_PATTERN.match(requested):
            raise UsageError(f"--version {requested!r} must be 14 digits, YYYYMMDDHHMMSS (UTC).")
        if not valid_version(requested):
            raise UsageError(f"--version {requested} is not a valid UTC date and time.")
        version = requested
    else:
        version = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
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


LOSSY_MARKER = "-- schemadiff: lossy rollback"


def header(migration: Migration, kind: str, *, root: Path, schema_file: Path,
           access: Sequence[str] = (), losses: Sequence[str] = (),
           lossy: Sequence[str] = ()) -> list[str]:
    """The comment lines that head a generated migration (`kind` "migration") or rollback;
    `access`: the migration's access changes for the API roles, one line each; `losses`
    (what the migration drops, e.g. "drops table public.t") are named in both; `lossy`:
    what the rollback itself drops or keeps (backfilled values); either marks it lossy."""
    schema = schema_file.relative_to(root).as_posix()
    rollback = migration.rollback.relative_to(root).as_posix()
    lines = [
        f"Generated by schemadiff {__version__} from {schema}. Do not edit by hand:",
        f"change {schema} and run `nox -s diff -- NAME` for a new migration.",
    ]
    if kind == "migration":
        lines += [
            f"Rollback: {rollback} (kept outside migrations/, which the Supabase CLI applies).",
            "Proven before it was written: applied to the replayed migrations it yields",
            f"{schema} exactly, and the rollback then restores the previous state; both",
            "rehearsed on a copy holding rows.",
        ]
        if access:
            lines += ["", "Access changes for the API roles (`schemadiff access --changes`):",
                      # One comment line each: a newline inside a policy's string
                      # literal must not end the comment and leave SQL behind it.
                      *("  " + " ".join(line.splitlines()) for line in access)]
        if losses:
            lines += ["", "DESTRUCTIVE (written with --allow-destructive): the data goes with it:"]
            lines += [f"  - {loss}" for loss in losses]
    else:
        lines += [f"Undoes migrations/{migration.stem}.sql; apply it only to a database at that "
                  "version.",
                  f"Regenerate it with `schemadiff rollback {migration.version}`."]
        if lossy or losses:
            lines += ["", LOSSY_MARKER.removeprefix("-- ")]
        if losses:
            lines += ["It restores the shape, not the data, of what the migration "
                      "dropped or rewrote", "(the data is in your backups):"]
            lines += [f"  - {loss}" for loss in losses]
        if lossy:
            lines += ["It drops what the migration made, with what was written to it since:"]
            lines += [f"  - {loss}" for loss in lossy]
    return lines


TIMEOUTS = "Timeouts, for this file's transaction only (SET LOCAL)"


def timeouts(lock_timeout: str, statement_timeout: str) -> list[str]:
    """SET LOCAL statements for the configured timeouts ("" leaves one out): a migration
    that waits for a lock fails after lock_timeout instead of queueing every query behind
    it; the Supabase CLI runs each file in one transaction, so nothing outlives it."""
    return [f"SET LOCAL {name} = '{value}';" for name, value in
            (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout))
            if value]


def render_pair(migration: Migration, up: list[tuple[str, list[str]]],
                down: list[tuple[str, list[str]]], *, root: Path,
                schema_file: Path, access: Sequence[str] = (),
                settings: list[str] | None = None, losses: Sequence[str] = (),
                lossy: Sequence[str] = ()
                ) -> tuple[tuple[str, str], tuple[str, str]]:
    """((label, text), (label, text)) of the migration and its rollback, as they will be
    written; `settings` (see `timeouts`) head both, `losses` go in both headers."""
    if settings:
        up = [(TIMEOUTS, settings), *up]
        down = [(TIMEOUTS, settings), *down]
    return (
        (f"{migration.path.relative_to(root)} (generated)",
         render(f"Migration {migration.stem}", up,
                header(migration, "migration", root=root, schema_file=schema_file,
                       access=access, losses=losses))),
        (f"{migration.rollback.relative_to(root)} (generated)",
         render(f"Rollback of {migration.stem}", down,
                header(migration, "rollback", root=root, schema_file=schema_file,
                       losses=losses, lossy=lossy))),
    )


def render(title: str, sections: list[tuple[str, list[str]]], header: list[str]) -> str:
    """A migration file: header comment lines, then each non-empty section under a heading."""
    lines = [f"-- {line}" if line else "--" for line in header]
    body: list[str] = []
    for heading, statements in sections:
        if not statements:
            continue
        body.append("")
        body.append(f"-- {heading}")
        body.append("-- " + "-" * max(8, len(heading)))
        for statement in statements:
            body.append(statement.rstrip())
    if not body:
        body = ["", "-- (no changes)"]
    return "\n".join([f"-- {title}", *lines, *body]) + "\n"


def atomic_write_all(files: dict[Path, str]) -> None:
    """Write every file or none: all content goes to temp files first, then renames.

    A directory that cannot be written (read-only, full disk) is the environment's fault,
    not the input's: WriteError, with nothing written.
    """
    try:
        _write_all(files)
    except OSError as exc:
        where = exc.filename or next(iter(files)).parent
        raise WriteError(
            f"cannot write {where}: {exc.strerror or exc}; nothing was written.",
            detail="Make the directory writable (or free disk space) and run the command "
                   "again: the proof is redone, nothing was lost.",
        ) from None


def _write_all(files: dict[Path, str]) -> None:
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(name, 0o644)
            staged.append((Path(name), path))
        for tmp, path in staged:
            os.replace(tmp, path)
        staged = []
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


# --- checksums: a released migration must never change ------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checksum_path(migrations_dir: Path) -> Path:
    return migrations_dir.parent / CHECKSUM_FILE


def read_checksums(path: Path) -> dict[str, str]:
    """{relative path: sha256} from a sha256sum-style file (`sha256sum -c` can check it)."""
    if not path.is_file():
        return {}
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise UsageError(f"{path}:{number}: expected '<sha256>  <file>', got {line!r}.")
        sums[name] = digest
    return sums


def text_sha256(content: str) -> str:
    """The checksum a file holding `content` will have once written."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def render_checksums(sums: dict[str, str]) -> str:
    lines = [
        "# schemadiff: checksums of released migrations and rollbacks; written by",
        "# `schemadiff diff` (or `schemadiff hash`), checked by `check` and `verify`.",
        "# Do not edit by hand.",
    ]
    lines += [f"{digest}  {name}" for name, digest in sorted(sums.items())]
    return "\n".join(lines) + "\n"


def check_integrity(migrations: list[Migration], sums_file: Path) -> list[str]:
    """Problems with recorded checksums: edited, removed, or unrecorded-but-older files."""
    sums = read_checksums(sums_file)
    base = sums_file.parent
    if not sums:
        generated = [m.path for m in migrations if _generated(m.path)]
        if not generated:
            return []  # a history schemadiff has not written to yet: nothing to hold it to
        return [f"{path}: written by schemadiff, but {sums_file.name} records no checksum for "
                f"it ({sums_file.name} is missing or empty), so edits to it would go unseen. "
                f"Restore {sums_file.name} from version control, or record the files as they "
                "are now on purpose: schemadiff hash" for path in generated]
    problems: list[str] = []
    present = {}
    for migration in migrations:
        for path in (migration.path, migration.rollback):
            if path.is_file():
                present[path.relative_to(base).as_posix()] = path
    for name, digest in sorted(sums.items()):
        recorded = present.get(name)
        if recorded is None:
            problems.append(f"{base / name}: recorded in {sums_file.name} but missing (removed "
                            "after release?). Restore it from version control.")
            continue
        if sha256(recorded) != digest:
            problems.append(
                f"{recorded}: changed after it was generated (checksum differs from "
                f"{sums_file.name}). Released migrations must not change: restore it and "
                "write a new migration instead."
            )
    newest_recorded = max(
        (m.version for m in migrations if m.path.relative_to(base).as_posix() in sums),
        default="",
    )
    for migration in migrations:
        name = migration.path.relative_to(base).as_posix()
        if name not in sums and migration.version < newest_recorded:
            problems.append(
                f"{migration.path}: not recorded in {sums_file.name} and older than the newest "
                f"released migration ({newest_recorded}): it would be applied out of order. "
                "Give it a version after the newest one."
            )
        elif name not in sums:
            problems.append(
                f"{migration.path}: has no checksum in {sums_file.name}, so edits to it would "
                "go unseen. If it is meant to be released as it is, record it on purpose: "
                "schemadiff hash"
            )
    return problems


def _generated(path: Path) -> bool:
    """Whether the file carries the header `diff` writes."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return any(line.startswith("-- Generated by schemadiff") for line in
                       (handle.readline(), handle.readline()))
    except OSError:
        return False


def record_checksums(migrations: list[Migration], migrations_dir: Path) -> list[str]:
    """Write schemadiff.sum afresh: the checksum of every migration and rollback as it is
    now (the `hash` command, run on purpose). Returns the files recorded."""
    sums_file = checksum_path(migrations_dir)
    base = sums_file.parent
    sums = {path.relative_to(base).as_posix(): sha256(path)
            for migration in migrations for path in (migration.path, migration.rollback)
            if path.is_file()}
    atomic_write_all({sums_file: render_checksums(sums)})
    return sorted(sums)


def write_with_checksums(migration: Migration, up_text: str, down_text: str,
                         history: list[Migration]) -> None:
    """Write a new migration, its rollback and the updated checksum file together, atomically.

    Migrations made before checksums were kept are recorded as they are now.
    """
    sums_file = checksum_path(migration.path.parent)
    base = sums_file.parent
    sums = read_checksums(sums_file)
    files = {migration.path: up_text, migration.rollback: down_text}
    for path, content in files.items():
        sums[path.relative_to(base).as_posix()] = text_sha256(content)
    for released in history:
        for path in (released.path, released.rollback):
            key = path.relative_to(base).as_posix()
            if key not in sums and path.is_file():
                sums[key] = sha256(path)
    atomic_write_all({**files, sums_file: render_checksums(sums)})


def write_rollback(migration: Migration, down_text: str) -> None:
    """Replace a released migration's rollback and its recorded checksum, atomically.

    The Supabase CLI never applies rollbacks, so a better one may replace a released one;
    the migration itself stays as released.
    """
    sums_file = checksum_path(migration.path.parent)
    base = sums_file.parent
    sums = read_checksums(sums_file)
    sums[migration.rollback.relative_to(base).as_posix()] = text_sha256(down_text)
    if migration.path.relative_to(base).as_posix() not in sums:
        sums[migration.path.relative_to(base).as_posix()] = sha256(migration.path)
    atomic_write_all({migration.rollback: down_text, sums_file: render_checksums(sums)})


def require_integrity(migrations: list[Migration], migrations_dir: Path) -> None:
    problems = check_integrity(migrations, checksum_path(migrations_dir))
    if problems:
        raise VerificationError(
            f"{len(problems)} released migration file(s) fail their checksum:",
            detail="\n".join(f"  {p}" for p in problems),
        )
