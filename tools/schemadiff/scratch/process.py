"""A postgres postmaster we start from server binaries: its settings, account and directory."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

from ..errors import NoPostgresError
from ..platform import standins
from . import leftovers
from .server import log_tail

SUPERUSER = "postgres"


# initdb and postgres refuse to run as root; this account runs them instead.
UNPRIVILEGED_ACCOUNT = "nobody"


# A run directory on tmpfs needs at least this much free space, else the disk is used.
TMPFS_MIN_FREE = 1 << 30


SERVER_SETTINGS = {
    # Scratch data: durability buys nothing here and costs most of the time.
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "listen_addresses": "",
    "max_connections": "40",
    # schema.sql is applied in one transaction, which locks every table and index it
    # creates: the default (64 per connection) fails near 700 tables with 3 indexes each.
    "max_locks_per_transaction": "1024",
    "shared_buffers": "32MB",
    # Segments as files in the data directory, removed with the run directory: POSIX
    # segments (/dev/shm/PostgreSQL.*) outlive the immediate shutdown that stops a run.
    "dynamic_shared_memory_type": "mmap",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "logging_collector": "off",
    "timezone": "UTC",
}


def run_root() -> Path:
    """Where run directories go: $SCHEMADIFF_TMPDIR, else /dev/shm (tmpfs), else the temp dir.

    A data directory is ~1,300 files; creating them on tmpfs takes ~0.1 s where some
    disks take seconds.
    """
    if env := os.environ.get("SCHEMADIFF_TMPDIR"):
        return Path(env)
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        stats = os.statvfs(shm)
        if os.access(shm, os.W_OK | os.X_OK) and stats.f_bavail * stats.f_frsize >= TMPFS_MIN_FREE:
            return shm
    return Path(tempfile.gettempdir())


def run_as() -> pwd.struct_passwd | None:
    """The account to run the server as: None for ourselves, `nobody` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError:
        raise NoPostgresError(
            f"Running as root and there is no '{UNPRIVILEGED_ACCOUNT}' account to run "
            "Postgres as (initdb refuses root)."
        ) from None


def as_account(account: pwd.struct_passwd | None) -> dict:
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def run_program(bindir: Path, name: str, account: pwd.struct_passwd | None, *args: str,
             timeout: float = 120) -> None:
    """Run one server program, as `account`, failing with its output."""
    result = subprocess.run(
        [str(bindir / name), *args], capture_output=True, text=True, timeout=timeout, cwd="/",
        **as_account(account),
    )
    if result.returncode != 0:
        raise NoPostgresError(
            f"{name} failed (exit {result.returncode}).",
            detail=(result.stderr or result.stdout).strip()[-2000:],
        )


def server_version(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=30
    )
    if out.returncode != 0:
        raise NoPostgresError(f"{bindir / 'postgres'} --version failed: {out.stderr.strip()}")
    return out.stdout.strip()


class Postmaster:
    """A postgres postmaster we started; stopped by pid, never by name."""

    def __init__(self, bindir: Path, datadir: Path, sockdir: Path, log: Path,
                 account: pwd.struct_passwd | None) -> None:
        args = [str(bindir / "postgres"), "-D", str(datadir), "-k", str(sockdir), "-p", "5432"]
        for key, value in {**SERVER_SETTINGS, **extension_settings(bindir)}.items():
            args += ["-c", f"{key}={value}"]
        self.log = log
        with open(log, "ab") as out:
            # Own session: a Ctrl-C in the terminal reaches us, and we stop the server in order.
            self.popen = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=str(datadir), start_new_session=True, **as_account(account),
            )

    def wait_ready(self, sockdir: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.popen.poll() is not None:
                raise NoPostgresError(
                    f"postgres exited with code {self.popen.returncode} while starting.",
                    detail=log_tail(self.log),
                )
            try:
                psycopg2.connect(host=str(sockdir), port=5432, user=SUPERUSER,
                                 dbname="postgres", connect_timeout=2).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    self.stop(signal.SIGQUIT)
                    raise NoPostgresError(
                        f"postgres did not accept connections within {timeout:.0f} s.",
                        detail=log_tail(self.log),
                    ) from None
                time.sleep(0.01)

    def stop(self, how: signal.Signals = signal.SIGQUIT) -> None:
        """SIGQUIT (immediate shutdown) suits scratch data; SIGINT when the files are kept."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(how)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=15)

    def stop_cleanly(self) -> None:
        """A clean (SIGINT) shutdown, required before the files are archived."""
        self.stop(signal.SIGINT)
        if self.popen.returncode != 0:
            raise NoPostgresError(
                f"postgres did not shut down cleanly (exit {self.popen.returncode}).",
                detail=log_tail(self.log),
            )


def private_dir(account: pwd.struct_passwd | None, prefix: str) -> Path:
    root = run_root()
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=root))  # mkdtemp makes it 0700
    leftovers.claim(path)
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)
    return path


def ensure_runnable(bindir: Path, account: pwd.struct_passwd | None) -> Path:
    """Binaries the server account can execute: a copy when they sit behind a 0700 home."""
    if account is None:
        return bindir
    probe = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, cwd="/",
        **as_account(account),
    )
    if probe.returncode == 0:
        return bindir
    install = bindir.parent
    digest = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"schemadiff-pginstall-{digest}"
    if not (copy / "bin" / "postgres").is_file():
        staging = Path(tempfile.mkdtemp(prefix="schemadiff-pginstall-"))
        shutil.copytree(install, staging / "tree", symlinks=True)
        os.chmod(staging, 0o755)
        os.chmod(staging / "tree", 0o755)
        with contextlib.suppress(OSError):
            os.rename(staging / "tree", copy)
        shutil.rmtree(staging, ignore_errors=True)
    return copy / "bin"


def _extension_of(file_name: str) -> str:
    """`pg_net` of `pg_net.control` or `pg_net--0.19.5.sql`."""
    return file_name.split("--", 1)[0].removesuffix(".control")


def _extensions_root(bindir: Path) -> Path:
    """Where the stand-ins for these binaries go: one directory per binaries and stand-ins."""
    stat = (bindir / "postgres").stat()
    digest = hashlib.sha256(f"{bindir.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for name, text in standins().items():
        digest.update(f"\0{name}\0{text}".encode())
    # Named like the binaries copy (ensure_runnable): a cache kept on purpose.
    name = f"schemadiff-pginstall-extensions-{digest.hexdigest()[:16]}"
    return Path(tempfile.gettempdir()) / name


# Bin dirs of extension trees -> the server binaries they were made from (this process).
_SOURCES: dict[Path, Path] = {}


def source_bindir(bindir: Path) -> Path:
    """The server binaries `bindir` runs: itself, or what its extension tree was made from
    (a tree lives in the temp dir, which may differ from run to run)."""
    return _SOURCES.get(bindir, bindir)


def extension_settings(bindir: Path) -> dict[str, str]:
    """Server settings that make the stand-ins visible (Postgres 18+; see with_extensions)."""
    root = _extensions_root(bindir)
    if (root / "control_path").is_file():
        return {"extension_control_path": f"$system:{root}"}
    return {}


def with_extensions(bindir: Path) -> Path:
    """Server binaries that also find the stand-in extensions (platform/standins) of the
    extensions they lack; nothing is written into the server's own directories.

    Postgres 18 searches `extension_control_path`: the stand-ins go into a directory of
    their own, after the server's ($system), and `extension_settings` names it. Older
    majors find extensions only relative to the real path of their own executable: they
    run from a private tree holding copies of `postgres` and `initdb`, links to everything
    else, and a share/extension directory of links to the server's own files plus the
    stand-ins. Either way a real extension always wins. Built once, cached under the temp
    dir; returns the bin dir to run.
    """
    root = _extensions_root(bindir)
    if (root / "control_path").is_file():
        return bindir
    if (root / "bindir").is_file():
        tree_bin = root / (root / "bindir").read_text().strip()
        _SOURCES[tree_bin] = bindir
        return tree_bin
    layout = subprocess.run([str(bindir / "pg_config"), "--version", "--bindir", "--sharedir",
                             "--pkglibdir"], capture_output=True, text=True, timeout=30)
    if layout.returncode != 0:
        return bindir  # no pg_config: the server's own extensions only
    version, *paths = layout.stdout.splitlines()
    real_bin, share, pkglib = (Path(line) for line in paths)
    major = int(version.split()[1].split(".")[0])
    staging = Path(tempfile.mkdtemp(prefix="schemadiff-pginstall-staging-"))
    try:
        if major >= 18:
            extension = staging / "extension"
            extension.mkdir()
            _add_standins(extension, share / "extension")
            (staging / "control_path").write_text("$system first, then extension/ here\n")
        else:
            _build_tree(staging, bindir, real_bin, share, pkglib)
        for directory in [staging, *(p for p in staging.rglob("*")
                                     if p.is_dir() and not p.is_symlink())]:
            os.chmod(directory, 0o755)
        with contextlib.suppress(OSError):  # another run published the same first
            os.rename(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return with_extensions(bindir)


def _add_standins(extension: Path, shipped_dir: Path) -> None:
    """The stand-ins of the extensions `shipped_dir` (the server's own) lacks."""
    shipped = {_extension_of(e.name) for e in shipped_dir.glob("*.control")}
    for name, text in standins().items():
        if _extension_of(name) not in shipped:
            (extension / name).write_text(text, encoding="utf-8")


def _build_tree(staging: Path, bindir: Path, real_bin: Path, share: Path, pkglib: Path) -> None:
    # The layout pg_config reports, below the paths' common prefix, as Postgres computes
    # its share and lib directories relative to its bin directory.
    common = Path(os.path.commonpath([real_bin, share, pkglib]))

    def place(path: Path) -> Path:
        target = staging / path.relative_to(common)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    tree_bin = place(real_bin)
    tree_bin.mkdir()
    for entry in bindir.iterdir():
        if entry.name in ("postgres", "initdb"):
            shutil.copy2(entry, tree_bin / entry.name)
        else:
            (tree_bin / entry.name).symlink_to(entry)
    if not place(pkglib).exists():
        place(pkglib).symlink_to(pkglib)
    tree_share = place(share)
    tree_share.mkdir()
    for entry in share.iterdir():
        if entry.name != "extension":
            (tree_share / entry.name).symlink_to(entry)
    extension = tree_share / "extension"
    extension.mkdir()
    for entry in (share / "extension").iterdir():
        (extension / entry.name).symlink_to(entry)
    _add_standins(extension, share / "extension")
    (staging / "bindir").write_text(str(real_bin.relative_to(common)) + "\n")
