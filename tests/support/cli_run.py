"""Running ``linky-exporter`` once with some arguments, and checking how it refuses bad ones."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The command with ``args``, its LINKY_EXPORTER_ variables only those of ``env``: the
    environment the tests run in must not configure it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINKY_EXPORTER_")}
    return subprocess.run(
        [sys.executable, "-m", "linky_exporter.cli", *args], capture_output=True, text=True, timeout=30, env={**clean, **(env or {})}
    )


def assert_refused(result: subprocess.CompletedProcess, message: str, status: int = 2) -> None:
    """Refused as bad input must be: one line naming the problem, no traceback, exit ``status``."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("linky-exporter: ") and message in lines[0], lines[0]
