"""`linky-exporter report` as a command: bad flags and files refused in one line (exit 2), an
unreachable store in one line (exit 1), and nothing of the exporter's settings loaded."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ..support.cli_run import run_cli
from ..support.processes import free_port


@pytest.mark.parametrize("args, message", [
    (["--from", "2025-02-30"], "--from: '2025-02-30' is not a date"),
    (["--from", "2025-03-01", "--to", "2025-03-01"], "is not before --to"),
    (["--offpeak", "22h-6h"], "--offpeak: '22h-6h' is not HH:MM-HH:MM"),
    (["--prometheus.timeout", "soon"], "--prometheus.timeout: 'soon' is not a duration"),
    (["--prices", "/nonexistent/prices.yml"], "/nonexistent/prices.yml: does not exist"),
    (["--tempo.calendar", "/nonexistent/tempo.csv"], "/nonexistent/tempo.csv: cannot be read"),
    (["--prometheus.cert-file", "c.pem"], "--prometheus.cert-file and --prometheus.key-file go together"),
    (["--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_flags_are_refused_in_one_line(args, message):
    result = run_cli("report", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


def test_a_bad_prices_file_names_its_key(tmp_path):
    path = tmp_path / "prices.yml"
    path.write_text("tempo:\n  subscription_per_day: {9: 0.5}\n  per_kwh: {blue_hc: 0.1}\n")
    result = run_cli("report", "--prices", str(path))
    assert result.returncode == 2 and result.stderr.strip() == (
        f"linky-exporter report: {path}: tempo.per_kwh: missing blue_hp, white_hc, white_hp, red_hc, red_hp")


def test_an_unreachable_store_is_one_line_and_the_settings_are_not_loaded():
    port = free_port()
    code = (
        "import sys\nfrom linky_exporter.cli import main\n"
        f"status = main(['report', '--prometheus.url', 'http://127.0.0.1:{port}'])\n"
        "print(status, 'pydantic' in sys.modules, 'yaml' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["1", "False", "False"], done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"linky-exporter report: http://127.0.0.1:{port} cannot be read"), lines
