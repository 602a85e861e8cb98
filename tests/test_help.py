"""Help and version output: what a user reads before anything runs."""

from __future__ import annotations

from typer.testing import CliRunner

from cliproject import REPO
from schemadiff import __version__
from schemadiff.cli import app

README = (REPO / "README.md").read_text()


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_version_option_prints_the_version():
    result = _run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_lint_help_keeps_the_config_table_name():
    # Rich would swallow an unescaped [tool.schemadiff.lint] as markup.
    assert "[tool.schemadiff.lint]" in _run("lint", "--help").stdout


def test_new_commands_have_help_with_an_example_and_are_documented():
    for command in ("pull", "drift", "erd"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "Example: schemadiff " + command in result.stdout
        assert f"| `schemadiff {command}" in README
