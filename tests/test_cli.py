"""The ``botox-market`` command line's own surface: version, readable help."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from analysis import __version__
from analysis.cli import app

cli = CliRunner()


def test_version_prints_the_installed_version():
    result = cli.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"botox-market {__version__}"


@pytest.mark.parametrize("command", [[], ["validate"], ["sample"], ["reports"], ["providers"], ["providers", "build"]])
def test_help_shows_flags_without_a_type_and_cuts_nothing_off(command):
    result = cli.invoke(app, [*command, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert not re.search(r"\w\.\.\.$", result.output, flags=re.MULTILINE), result.output  # no truncated help


def test_reports_help_lists_its_flags():
    output = cli.invoke(app, ["reports", "--help"], terminal_width=80).output
    assert re.search(r"^\s+--force\s+Run every report", output, flags=re.MULTILINE)
