"""Where the real captures are: copies in tests/fixtures, the rest in ../shared.

Shared-only captures (licences that forbid copying) are read from
``../shared/captures/raw``. On a developer's machine without that folder their
tests skip; in CI (``CI=true``) a missing folder is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_RAW = Path(os.environ.get("LINKY_SHARED_CAPTURES", ROOT.parent / "shared" / "captures" / "raw"))


def fixture_counts() -> dict[str, dict]:
    return json.loads((FIXTURES / "expected_counts.json").read_text())


def fixture_path(name: str) -> Path:
    return FIXTURES / name


def require_shared() -> Path:
    """The shared captures folder, or a skip (developer machine) / failure (CI)."""
    if (SHARED_RAW / "MANIFEST.json").is_file():
        return SHARED_RAW
    message = f"shared captures not found at {SHARED_RAW}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must have ../shared beside the clone)")
    pytest.skip(message)


def shared_manifest() -> dict[str, dict]:
    return json.loads((require_shared() / "MANIFEST.json").read_text())["files"]


def all_capture_paths() -> list[Path]:
    """Every capture: fixtures always; shared ones when the folder is there."""
    paths = sorted(FIXTURES.glob("*.tic"))
    if (SHARED_RAW / "MANIFEST.json").is_file():
        names = {p.name for p in paths}
        paths += sorted(p for p in SHARED_RAW.glob("*.tic") if p.name not in names)
    return paths
