"""Every generated file is what its source gives: scripts/regenerate --check, run for real.

The golden /metrics files are the one kind left out here: tests/end_to_end/test_acceptance.py compares
the live exporter against them (and scripts/regenerate goldens runs that test).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = ROOT / "scripts" / "regenerate"


def regenerate(*args: str) -> subprocess.CompletedProcess[str]:
    # PYTHON pins the interpreter: the script would otherwise re-run itself under .venv.
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable}
    return subprocess.run([sys.executable, str(REGENERATE), *args], env=env, capture_output=True, text=True, timeout=60)


def test_dashboards_and_the_metrics_table_are_up_to_date():
    result = regenerate("--check", "dashboards", "metrics-doc")
    assert result.returncode == 0, result.stderr


def test_a_stale_file_is_named_and_fails_the_check(tmp_path):
    # The check must see a difference, not only pass: run it on a copy with the table edited.
    copy = tmp_path / "repo"
    for part in ("scripts", "docs", "linky_exporter", "deploy/grafana"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    doc = copy / "docs" / "metrics.md"
    doc.write_text(doc.read_text().replace("| `linky_exporter_build_info` |", "| `linky_exporter_built_info` |"))
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable}
    command = [sys.executable, str(copy / "scripts" / "regenerate"), "--check", "metrics-doc"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "out of date: docs/metrics.md (run scripts/regenerate)"
    # Without --check the file is rewritten in place, markers kept, and the check passes again.
    assert subprocess.run(command[:-2] + ["metrics-doc"], env=env, capture_output=True, timeout=60).returncode == 0
    assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode == 0
    assert (copy / "docs" / "metrics.md").read_text() == (ROOT / "docs" / "metrics.md").read_text()
