"""Migration files on disk: atomic writes, and the checksums that keep released ones as
they were."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import UsageError, VerificationError, WriteError
from . import CHECKSUM_FILE, Migration


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
