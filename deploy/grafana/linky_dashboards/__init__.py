"""The Grafana dashboards of linky-exporter, written as Python and rendered to JSON.

``scripts/regenerate dashboards`` writes ``deploy/grafana/dashboards/*.json`` (``OUT``),
the files Grafana provisions, from ``DASHBOARDS``. Like the monitoring-mixins' jsonnet,
the code keeps every panel consistent (one datasource reference, one meter matcher, one
unit vocabulary); the JSON is committed so that a user needs nothing but Grafana, and
tests/end_to_end/test_generated_files.py holds the two together.

Why not grafana-foundation-sdk (PyPI): its builders target Grafana 10.1-11.6 (53 k lines),
older than the @grafana/schema 13 model tests/end_to_end/test_grafana_dashboards.py validates every panel against.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import energy, health, live

DASHBOARDS = {"linky-live.json": live.build, "linky-energy.json": energy.build, "linky-health.json": health.build}
OUT = Path(__file__).resolve().parent.parent / "dashboards"


def render(build) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
