"""CHANGELOG.md keeps the usual form: an [Unreleased] section first, one for the current version."""

from __future__ import annotations

import re
from pathlib import Path

import linky_exporter

ROOT = Path(__file__).resolve().parents[2]


def test_the_changelog_has_unreleased_first_and_the_current_version():
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings[0] == "Unreleased"
    assert linky_exporter.__version__ in headings
