"""The nox sessions keep their venv: the project is reinstalled only when pyproject.toml
changes (a stamp of its hash in the venv), so `nox -s diff -- NAME` costs little more
than the bare command."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cliproject import REPO, cli_env, git

NOX = shutil.which("nox")
INSTALL = "pip install -e ."


@pytest.mark.skipif(NOX is None, reason="nox is not on PATH (nox -s test runs with it)")
def test_a_repeat_run_reuses_the_venv_until_pyproject_changes(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    for name in git(REPO, "ls-files").splitlines():  # the checkout, as a clone has it
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, target)

    def check() -> str:
        assert NOX is not None
        done = subprocess.run([NOX, "-s", "check", "--", "-q"], cwd=root, env=cli_env(),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    try:
        assert INSTALL in check()  # a new venv: installed
        assert INSTALL not in check()  # the same pyproject.toml: reused as it is
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n# changed\n")
        assert INSTALL in check()  # pyproject.toml changed: installed again
    finally:
        shutil.rmtree(root, ignore_errors=True)  # a venv is ~200 MB: not kept in /tmp
