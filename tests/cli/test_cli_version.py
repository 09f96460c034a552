"""``regcoord --version`` prints the version recorded in the installed package metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

from typer.testing import CliRunner

from regcoord.cli.app import app, package_version

ROOT = Path(__file__).resolve().parents[2]


def test_version_comes_from_the_package_metadata():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert package_version() == declared
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"regcoord {declared}"


def test_commands_still_run_under_the_root_callback():
    result = CliRunner().invoke(app, ["datasets", "list"])
    assert result.exit_code == 0, result.output
    assert "china" in result.output


def test_package_dunder_version_is_the_same_source():
    import regcoord

    assert regcoord.__version__ == package_version()
