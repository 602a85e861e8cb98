"""A throwaway schemadiff project in a git repository, and the CLI run on it as a user would.

The CLI runs as a subprocess of this checkout's code (`python -m schemadiff.cli` with
tools/ on PYTHONPATH), so exit codes, stderr and signals are the real ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = '[tool.schemadiff]\nschemas = ["public"]\n'
TABLE = "create table public.widgets (id int primary key, name text not null);\n"


def make_project(root: Path, schema: str | bytes | None = TABLE,
                 migrations: dict[str, str | bytes] | None = None,
                 pyproject: str | None = PYPROJECT) -> Path:
    """Write the files, then commit them all, so `git status` shows any change a run makes."""
    root.mkdir(parents=True, exist_ok=True)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    if schema is not None:
        write(root / "schema.sql", schema)
    for name, text in (migrations or {}).items():
        write(root / "supabase" / "migrations" / name, text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "fixture")
    return root



def copy_fluxa(dest: Path) -> Path:
    """A copy of this repository's Fluxa project (pyproject.toml, schema.sql, supabase/)
    in `dest`, as a clone has it; returns `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "schema.sql"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "supabase", dest / "supabase")
    return dest

def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return done.stdout


def status(root: Path) -> str:
    """`git status --porcelain --ignored`: empty when the run left the work tree as it was."""
    return git(root, "status", "--porcelain", "--ignored", "--untracked-files=all")


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "tools"), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.pop("SCHEMADIFF_DATABASE_URL", None)
    env.update(extra or {})
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "schemadiff.cli", *args]


def run(root: Path, *args: str, env: dict[str, str] | None = None,
        timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `schemadiff ARGS` in `root`; stdin closed, output captured."""
    return subprocess.run(
        command(*args), cwd=root, env=cli_env(env), capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL,
    )


def url_of(server) -> str:
    """A URL for the session's scratch server (unix socket), for the `url` backend."""
    return f"postgresql://{server.user}@/{server.admin_db}?host={server.host}&port={server.port}"


def private_tmp(base: Path | None = None) -> Path:
    """A fresh 0755 dir outside pytest's 0700 tree: the server's account must reach into it."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="sdtest-", dir=base or "/tmp"))
    path.chmod(0o755)
    return path


def tmp_env(path: Path) -> dict[str, str]:
    """Point every temp dir of a run (its run dir and Python's) at `path`."""
    return {"TMPDIR": str(path), "SCHEMADIFF_TMPDIR": str(path)}


def processes_under(path: Path) -> list[int]:
    """Pids whose command line or working directory lies under `path`.

    The postmaster is started with `-k <run dir>`; its children rename themselves
    ("postgres: checkpointer") but keep the data dir as their working directory.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if "schemadiff.cli" in cmdline:
            continue
        if str(path) in cmdline or cwd.startswith(str(path)):
            found.append(int(entry.name))
    return found


def leftovers(path: Path) -> list[str]:
    """Entries a run left in its private temp dir (the binaries cache is kept on purpose)."""
    return sorted(p.name for p in path.iterdir() if not p.name.startswith("schemadiff-pginstall"))


def shared_memory_files(pids: list[int]) -> list[Path]:
    """Files under /dev/shm that the processes `pids` have mapped (shared memory segments)."""
    files = set()
    for pid in pids:
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue  # already gone
        for line in maps.splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith("/dev/shm/"):
                files.add(Path(fields[5].removesuffix(" (deleted)")))
    return sorted(files)
