"""The real Supabase CLI (npm `supabase`), run against a scratch database, as the oracle of
how migration files are applied.

The CLI connects over TCP only and our scratch servers listen on a unix socket, so a
small in-process TCP-to-socket relay stands between them.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

VERSION = "3.1.0"


@functools.cache
def binary() -> str | None:
    """The `supabase` command when it is the version these tests measured, else None."""
    found = shutil.which("supabase")
    if found is None:
        return None
    done = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=60)
    return found if done.stdout.strip() == VERSION else None


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def tcp_relay(unix_path: str) -> Iterator[int]:
    """A loopback TCP port relayed to the unix socket `unix_path`, for the body."""
    listener = socket.create_server(("127.0.0.1", 0))
    open_sockets: list[socket.socket] = [listener]

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(unix_path)
            open_sockets.extend((client, upstream))
            threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.close()


def migration_up(cli: str, project: Path, server, dbname: str) -> tuple[bool, int | None]:
    """Run `supabase migration up` for `project` on `dbname`: (succeeded, the 0-based index
    of the failing statement, from the CLI's "At statement: N")."""
    with tcp_relay(f"{server.host}/.s.PGSQL.{server.port}") as port:
        url = f"postgresql://{server.user}:unused@127.0.0.1:{port}/{dbname}"
        done = subprocess.run([cli, "migration", "up", "--db-url", url, "--yes"], cwd=project,
                              capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
    failed = re.search(r"At statement: (\d+)", done.stdout + done.stderr)
    return done.returncode == 0, int(failed[1]) if failed else None
