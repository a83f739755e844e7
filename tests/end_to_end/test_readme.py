"""The README's examples are true: its YAML validates, its flags and commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from linky_exporter.config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_yaml_example_is_a_valid_configuration(tmp_path):
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.yml"
        path.write_text(block)
        assert isinstance(yaml.safe_load(block), dict)
        load_settings({}, path)


def _help(command: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "linky_exporter.cli", command, "--help"], capture_output=True, text=True, check=True
    ).stdout


def _flags(text: str) -> set[str]:
    return set(re.findall(r"`(--[a-z][a-z.-]+)", text))


# The section of the README about `report`: its flags are report's, not serve's.
REPORT_SECTION = re.search(r"\n## [^\n]*`report`\n.*?(?=\n## )", README, re.S).group()


def test_every_flag_named_in_the_readme_exists():
    help_text = _help("serve")
    for flag in _flags(README.replace(REPORT_SECTION, "")):
        if flag in ("--pty", "--tcp", "--output", "--frames", "--fast", "--seconds", "--help"):
            continue  # flags of other subcommands, checked below
        assert flag in help_text, flag
    report_help = _help("report")
    assert len(_flags(REPORT_SECTION)) >= 8
    for flag in _flags(REPORT_SECTION):
        assert flag in report_help, flag


def test_every_subcommand_named_in_the_readme_exists():
    for command in set(re.findall(r"linky-exporter (decode|probe|record|simulate|serve|report)\b", README)):
        result = subprocess.run([sys.executable, "-m", "linky_exporter.cli", command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0, command


@pytest.mark.slow
def test_help_lists_every_serve_flag_and_every_command_knows_its_version():
    # Error messages say "see linky-exporter --help": what they point at must be there.
    top = subprocess.run([sys.executable, "-m", "linky_exporter", "--help"], capture_output=True, text=True, check=True).stdout
    serve = subprocess.run([sys.executable, "-m", "linky_exporter", "serve", "--help"], capture_output=True, text=True,
                           check=True).stdout
    flags = set(re.findall(r"(--[a-z][a-z.-]+)", serve))
    assert flags and flags <= set(re.findall(r"(--[a-z][a-z.-]+)", top))
    for command in ("serve", "decode", "probe", "record", "simulate"):
        result = subprocess.run([sys.executable, "-m", "linky_exporter", command, "--version"], capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.startswith("linky-exporter "), (command, result)


def test_the_readmes_count_the_alerts_there_are():
    alerts = (ROOT / "deploy" / "prometheus" / "rules" / "linky-alerts.yml").read_text().count("\n      - alert: ")
    assert re.findall(r"(\d+) alerts written", (ROOT / "README.md").read_text()) == [str(alerts)]
    assert re.findall(r"(\d+) alertes écrites", (ROOT / "README.fr.md").read_text()) == [str(alerts)]
