"""A throwaway schemadiff project in a git repository, and the CLI run on it as a user would.

The CLI runs as a subprocess of this checkout's code (`python -m schemadiff.cli` with
tools/ on PYTHONPATH), so exit codes, stderr and signals are the real ones.
"""

from __future__ import annotations

import os
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
