"""A throwaway Postgres cluster run from server binaries (the `local` and `embedded` backends).

Fast by construction: a "golden" cluster (initdb'd, platform shim loaded into a
template database) is built once per server version and shim content, cached, and
copied for each run; the server runs with fsync off on a unix socket in a private
0700 temp dir, so there is no TCP port to collide with.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import psycopg2

from ..errors import NoPostgresError
from .server import Server, log_tail

BASE_DB = "schemadiff_base"
SUPERUSER = "postgres"
# Bump when the layout of a cached cluster changes.
CACHE_FORMAT = "1"
# initdb and postgres refuse to run as root; this account runs them instead.
UNPRIVILEGED_ACCOUNT = "nobody"

SERVER_SETTINGS = {
    # Scratch data: durability buys nothing here and costs most of the time.
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "listen_addresses": "",
    "max_connections": "40",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
    "logging_collector": "off",
    "timezone": "UTC",
}


def shim_sql() -> str:
    return resources.files("schemadiff.sql").joinpath("supabase_shim.sql").read_text("utf-8")


def cache_root() -> Path:
    """Where golden clusters live: $SCHEMADIFF_CACHE_DIR, else the XDG cache dir."""
    if env := os.environ.get("SCHEMADIFF_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "schemadiff"


def _run_as() -> pwd.struct_passwd | None:
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


def _give(path: Path, account: pwd.struct_passwd | None) -> None:
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def _program(bindir: Path, name: str, account: pwd.struct_passwd | None, *args: str,
             log: Path | None = None, timeout: float = 120) -> None:
    """Run one server program, as `account`, failing with its output."""
    kwargs: dict = {}
    if account is not None:
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    result = subprocess.run(
        [str(bindir / name), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
        **kwargs,
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


def _cache_key(bindir: Path) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, str(bindir.resolve()), server_version(bindir), shim_sql()):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


class _Process:
    """A postgres postmaster we started; stopped by pid, never by name."""

    def __init__(self, bindir: Path, datadir: Path, sockdir: Path, log: Path,
                 account: pwd.struct_passwd | None) -> None:
        args = [str(bindir / "postgres"), "-D", str(datadir), "-k", str(sockdir), "-p", "5432"]
        for key, value in SERVER_SETTINGS.items():
            args += ["-c", f"{key}={value}"]
        kwargs: dict = {}
        if account is not None:
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.log = log
        with open(log, "ab") as out:
            # Own session: a Ctrl-C in the terminal reaches us, and we stop the server in order.
            self.popen = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=str(datadir), start_new_session=True, **kwargs,
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
        """SIGQUIT (immediate shutdown) is right for scratch data; SIGINT when the files are kept."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(how)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=15)


def _private_dir(account: pwd.struct_passwd | None, prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))  # mkdtemp makes it 0700
    _give(path, account)
    return path


def _build_golden(bindir: Path, target: Path, account: pwd.struct_passwd | None) -> None:
    """initdb, load the shim into BASE_DB, shut down cleanly, move into `target`."""
    work = _private_dir(account, "schemadiff-golden-")
    try:
        datadir = work / "data"
        _program(bindir, "initdb", account, "-D", str(datadir), "-U", SUPERUSER,
                 "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                 "--no-instructions")
        proc = _Process(bindir, datadir, work, work / "server.log", account)
        try:
            proc.wait_ready(work)
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname="postgres")
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f"CREATE DATABASE {BASE_DB}")
            conn.close()
            conn = psycopg2.connect(host=str(work), port=5432, user=SUPERUSER, dbname=BASE_DB)
            with conn, conn.cursor() as cur:
                cur.execute(shim_sql())
            conn.close()
        finally:
            # A clean shutdown, so that copies of this directory start without recovery.
            proc.stop(signal.SIGINT)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        _copy_cluster(datadir, staging)  # the cache may be on another file system
        try:
            os.rename(staging, target)
        except OSError:
            # Another run built the same cluster first; theirs is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def golden_cluster(bindir: Path, account: pwd.struct_passwd | None,
                   progress: Callable[[str], None] | None = None) -> Path:
    """The cached, shim-loaded cluster for these binaries; built under a lock on first use."""
    root = cache_root() / "clusters"
    root.mkdir(parents=True, exist_ok=True)
    target = root / _cache_key(bindir)
    if (target / "PG_VERSION").is_file():
        return target
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "PG_VERSION").is_file():
            shutil.rmtree(target, ignore_errors=True)  # a half-built leftover
            if progress:
                progress("building the cached scratch cluster (first run only)")
            _build_golden(bindir, target, account)
    return target


def clear_cache() -> int:
    """Remove every cached cluster; returns how many were removed."""
    root = cache_root() / "clusters"
    if not root.is_dir():
        return 0
    count = 0
    for entry in root.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            count += 1
    return count


def _copy_cluster(source: Path, dest: Path) -> None:
    # cp -a keeps owners and modes (postgres insists on both); reflink makes it a
    # copy-on-write clone where the file system can.
    result = subprocess.run(
        ["cp", "-a", "--reflink=auto", str(source), str(dest)], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise NoPostgresError(f"copying the cached cluster failed: {result.stderr.strip()}")


def ensure_runnable(bindir: Path, account: pwd.struct_passwd | None) -> Path:
    """Binaries the server account can execute: a copy when they sit behind a 0700 home."""
    if account is None:
        return bindir
    probe = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, cwd="/",
        user=account.pw_uid, group=account.pw_gid, extra_groups=[],
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
        try:
            os.rename(staging / "tree", copy)
        except OSError:
            pass
        shutil.rmtree(staging, ignore_errors=True)
    return copy / "bin"


def start_cluster(backend: str, bindir: Path,
                  progress: Callable[[str], None] | None = None) -> Server:
    """Start a private server from a copy of the golden cluster."""
    account = _run_as()
    bindir = ensure_runnable(bindir, account)
    golden = golden_cluster(bindir, account, progress)
    work = _private_dir(account, "schemadiff-")
    proc: _Process | None = None
    try:
        datadir = work / "data"
        _copy_cluster(golden, datadir)
        proc = _Process(bindir, datadir, work, work / "server.log", account)
        proc.wait_ready(work)
    except BaseException:
        if proc is not None:
            proc.stop()
        shutil.rmtree(work, ignore_errors=True)
        raise

    def stop() -> None:
        try:
            proc.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    return Server(
        backend=backend,
        host=str(work),
        port=5432,
        user=SUPERUSER,
        password=None,
        admin_db="postgres",
        db_prefix="sd_",
        bindir=bindir,
        base_db=BASE_DB,
        log_path=work / "server.log",
        _stop=stop,
    )
