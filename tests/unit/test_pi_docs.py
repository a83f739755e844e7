"""docs/raspberry-pi.md and README.fr.md name only flags, variables and verdicts that exist."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from linky_exporter.cli import build_parser
from linky_exporter.config.settings import load_settings
from linky_exporter.sources import probe

from ..support.settings_variables import known_variables

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "raspberry-pi.md", ROOT / "README.fr.md"]
#: Flags of other programs the guide shows (systemctl, pip, Prometheus).
OTHER_PROGRAMS_FLAGS = {
    "--now", "--reload", "--upgrade", "--version", "--env-file",
    "--storage.tsdb.retention.time", "--storage.tsdb.retention.size", "--scrape.timestamp-tolerance",
}


def exporter_flags() -> set[str]:
    flags = {"--version"}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                flags |= {option for sub in subparser._actions for option in sub.option_strings}
    return flags


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_flag_in_the_doc_exists(doc):
    mentioned = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9.-]*[a-z0-9]", doc.read_text()))
    unknown = mentioned - exporter_flags() - OTHER_PROGRAMS_FLAGS
    assert not unknown, f"{doc.name} names flags linky-exporter does not have: {sorted(unknown)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_variable_in_the_doc_is_read_by_the_exporter(doc):
    mentioned = set(re.findall(r"LINKY_EXPORTER_[A-Z_]*[A-Z]", doc.read_text()))
    read_by_serve = {"LINKY_EXPORTER_CONFIG_FILE"}  # names the YAML file, so not a Settings field
    unknown = mentioned - known_variables() - read_by_serve
    assert not unknown, f"{doc.name} names variables the exporter does not read: {sorted(unknown)}"


def test_the_french_yaml_example_is_a_valid_configuration(tmp_path):
    block = re.search(r"```yaml\n(.*?)```", (ROOT / "README.fr.md").read_text(), re.S).group(1)
    config = tmp_path / "linky.yml"
    config.write_text(block)
    settings = load_settings({}, config)
    assert [spec.name for spec in settings.tic.source] == ["maison"]
    assert settings.prices["maison"].per_kwh == yaml.safe_load(block)["prices"]["maison"]["per_kwh"]


def test_the_troubleshooting_table_quotes_probes_verdicts():
    """Each headline probe.diagnose can print appears in the guide, word for word."""
    guide = (ROOT / "docs" / "raspberry-pi.md").read_text()
    silent = probe.diagnose([probe.Heard(probe.Mode.HISTORIQUE), probe.Heard(probe.Mode.STANDARD)])
    assert f"PROBLEM: {silent.headline}" in guide
    garbage = probe.diagnose([probe.Heard(probe.Mode.HISTORIQUE, bytes=100, groups_bad=5)])
    assert f"PROBLEM: {garbage.headline}" in guide
    noisy = probe.diagnose([probe.Heard(probe.Mode.HISTORIQUE, bytes=100, groups_valid=3, groups_bad=5)])
    assert f"PROBLEM: {noisy.headline}" in guide
    for advice in silent.advice:
        assert advice in guide
    switched = probe.Heard(
        probe.Mode.STANDARD, seconds=6, bytes=5000, frames_valid=4, groups_valid=80,
        modes_seen=[probe.Mode.HISTORIQUE, probe.Mode.STANDARD, probe.Mode.STANDARD, probe.Mode.STANDARD],
    )
    assert f"OK: {probe.diagnose([switched]).headline}" in guide
    assert "errors come in bursts" in guide and "errors are steady" in guide
