"""Ctrl-C (SIGINT) and SIGTERM at each stage of `diff`; two diffs on one repository at once.

Each run gets a private temp dir (TMPDIR and SCHEMADIFF_TMPDIR), so "nothing left" is
checkable: no process whose command line or working directory lies inside it, no entry
in it, and a clean `git status` in the project. Progress lines are printed when a
stage ends, so the signal sent after line k lands in stage k+1; stage 0 (starting the
server) is caught when the run's server directory appears.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cliproject import (
    cli_env,
    command,
    leftovers,
    make_project,
    processes_under,
    status,
    tmp_env,
)

# Big enough that each stage takes a noticeable time on 2 cores.
OLD = "".join(f"create table public.old{i} (id int primary key, a text, b int);\n"
              for i in range(150))
NEW = "".join(
    f"create table public.new{i} (id int primary key, a text not null, b int, c jsonb);\n"
    f"create index new{i}_a_idx on public.new{i} (a);\n"
    for i in range(250)
)
MIGRATION = {"20250101000000_old.sql": OLD}
STAGES = ["starting Postgres", "building", "diffing", "reviewing access", "proving", "rehearsing",
          "linting"]


@pytest.fixture
def temp(private_temp):
    return private_temp


def start_diff(root: Path, temp: Path, name: str = "big") -> subprocess.Popen[str]:
    return subprocess.Popen(
        command("diff", name, "--backend", os.environ.get("SCHEMADIFF_TEST_BACKEND", "auto")),
        cwd=root, env=cli_env(tmp_env(temp)), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_lines(proc: subprocess.Popen[str], count: int) -> str:
    """Read stderr until `count` stages have ended (or fail if the run ends first).

    A stage's line ends with its time ("  building… 0.52 s"); notes in between (which
    backend, a cache being built) are not stages.
    """
    assert proc.stderr is not None
    seen = ""
    ended = 0
    while ended < count:
        line = proc.stderr.readline()
        assert line, f"the run ended before stage {count}: {seen}"
        seen += line
        ended += bool(re.search(r"… \d+\.\d+ s$", line.rstrip("\n")))
    return seen


def wait_for_server_dir(temp: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any(p.name.startswith("schemadiff-") for p in temp.iterdir()):
        assert proc.poll() is None, "the run ended before its server started"
        assert time.monotonic() < deadline, "no server directory appeared"
        time.sleep(0.005)


def assert_nothing_left(proc: subprocess.Popen[str], seen: str, temp: Path, root: Path) -> None:
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = seen + err
    assert proc.returncode == 130, err
    assert "interrupted: the scratch server was stopped and nothing was written." in err
    assert "Traceback" not in err, err
    deadline = time.monotonic() + 5
    while processes_under(temp) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_under(temp) == [], "a server process outlived the run"
    assert leftovers(temp) == [], "the run left files in its temp dir"
    assert status(root) == "", "the interrupted run changed the work tree"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("stage", range(len(STAGES)), ids=STAGES)
def test_a_signal_at_any_stage_leaves_nothing(tmp_path, temp, stage, signum):
    root = make_project(tmp_path, OLD + NEW, migrations=MIGRATION)
    proc = start_diff(root, temp)
    seen = ""
    if stage == 0:
        wait_for_server_dir(temp, proc)
    else:
        seen = wait_for_lines(proc, stage)
        assert STAGES[stage - 1] in seen.splitlines()[-1], seen
    proc.send_signal(signum)
    assert_nothing_left(proc, seen, temp, root)


def test_two_diffs_on_one_repository_cannot_both_write(tmp_path, temp):
    root = make_project(tmp_path, OLD + NEW, migrations=MIGRATION)
    first = start_diff(root, temp, "first")
    try:
        wait_for_lines(first, 1)  # the first run holds the lock and has its server
        second = subprocess.run(
            command("diff", "second"), cwd=root, env=cli_env(tmp_env(temp)),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
        _, first_err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert second.returncode == 2, second.stderr
    assert "another schemadiff run holds this repository's lock" in second.stderr
    assert f"pid {first.pid}, schemadiff diff first" in second.stderr
    assert first.returncode == 0, first_err
    written = sorted(p.name for p in (root / "supabase" / "migrations").iterdir())
    assert [n for n in written if n.endswith("_first.sql")] and not [
        n for n in written if n.endswith("_second.sql")]
    assert leftovers(temp) == []


def test_the_next_run_reaps_what_a_killed_run_left(tmp_path, temp):
    # SIGKILL cannot be caught: the run's postmaster (in its own session) survives it.
    root = make_project(tmp_path, OLD + NEW, migrations=MIGRATION)
    proc = start_diff(root, temp)
    wait_for_lines(proc, 1)  # the server is up
    survivors = processes_under(temp)
    assert survivors, "no scratch server found under the private TMPDIR"
    proc.kill()
    proc.wait()
    assert processes_under(temp), "the postmaster outlived its run, as SIGKILL allows"

    check = subprocess.run(
        command("check", "--backend", os.environ.get("SCHEMADIFF_TEST_BACKEND", "auto")),
        cwd=root, env=cli_env(tmp_env(temp)), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300,
    )
    assert check.returncode in (0, 1), check.stderr
    deadline = time.monotonic() + 10
    while processes_under(temp) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_under(temp) == []
    assert leftovers(temp) == []
