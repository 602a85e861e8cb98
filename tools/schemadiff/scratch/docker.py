"""The `docker` backend: a postgres container through the Python Docker SDK (opt-in or last)."""

from __future__ import annotations

import contextlib
import secrets
import time

import psycopg2

from ..errors import NoPostgresError
from ..platform import Platform
from .server import Backend, Server

IMAGE = "postgres:15-alpine"
PROBE_TIMEOUT_S = 3


def engine():
    """A Docker client whose engine answered a ping, or NoPostgresError saying why not."""
    try:
        import docker
        import requests
    except ImportError as exc:  # pragma: no cover - docker is a dependency
        raise NoPostgresError(f"the docker SDK is not installed: {exc}") from None
    try:
        # A short timeout: a hung daemon would otherwise block for the SDK's 60 s default.
        client = docker.from_env(timeout=PROBE_TIMEOUT_S)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        # .ping() raises a requests ConnectionError, not a DockerException.
        raise NoPostgresError(f"no Docker engine answered ({type(exc).__name__}: {exc})") from None
    return client


def start_docker(backend: Backend, platform: Platform, image: str = IMAGE) -> Server:
    """A postgres container on a loopback port, removed when stopped."""
    client = engine()
    password = secrets.token_urlsafe(16)
    try:
        container = client.containers.run(
            image,
            detach=True,
            remove=True,
            environment={"POSTGRES_PASSWORD": password},
            ports={"5432/tcp": ("127.0.0.1", None)},
            command=["-c", "fsync=off", "-c", "full_page_writes=off",
                     "-c", "synchronous_commit=off"],
            labels={"schemadiff": "scratch"},
        )
    except Exception as exc:  # the SDK raises several unrelated types here
        raise NoPostgresError(f"docker could not start {image}: {exc}") from None

    def stop() -> None:
        # Exception: already gone (remove=True cleaned it up), whatever the SDK calls that.
        with contextlib.suppress(Exception):
            container.stop(timeout=2)

    try:
        deadline = time.monotonic() + 60
        while True:
            container.reload()
            binding = (container.ports.get("5432/tcp") or [{}])[0]
            port = int(binding.get("HostPort") or 0)
            if port:
                try:
                    psycopg2.connect(host="127.0.0.1", port=port, user="postgres",
                                     password=password, dbname="postgres",
                                     connect_timeout=2).close()
                    break
                except psycopg2.OperationalError:
                    pass
            if time.monotonic() > deadline:
                logs = container.logs(tail=15).decode(errors="replace")
                raise NoPostgresError("the postgres container did not become ready.", detail=logs)
            time.sleep(0.2)
    except BaseException:
        stop()
        raise
    return Server(
        backend=backend,
        host="127.0.0.1",
        port=port,
        user="postgres",
        password=password,
        admin_db="postgres",
        db_prefix="sd_",
        platform=platform,
        _stop=stop,
    )
