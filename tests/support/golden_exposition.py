"""The golden /metrics files: the captures replayed for them and the exposition compared with them.

Shared by tests/end_to_end/test_acceptance.py (which writes them with UPDATE_GOLDEN=1), the tests
that replay the same captures (tests/end_to_end/test_systemd_unit.py) and
tests/unit/test_golden_in_process.py (the same streams read in this process).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from linky_exporter.exposition.collector import LinkyCollector

from .captures import fixture_path
from .fed_meter import replayed_state

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

# layout -> (capture, times it is written); captures whose indexes grow are written once
# (written again, the indexes would go back), the others three times so every energy
# counter is confirmed by a following frame.
LAYOUTS = {
    "historique-mono-tempo": ("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic", 1),
    "historique-tri-ejp": ("hist_tri_ejp_cbetm__openhab_cbetm-ejp-option-1.tic", 3),
    "standard-mono-producer": ("std_mono_prod_linky__openhab_linky-tic-mode-standard-single-phase-prod.tic", 1),
    "standard-tri-producer-tempo": ("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic", 1),
}
# Values that depend on the machine or the moment, not on the capture. Active power and
# the power factor are fitted on the timing of the frames (the time their bytes take on
# the wire when replayed fast, plus the reader's scheduling), so they are left out too;
# tests/unit/test_active_power.py pins them on exact timings.
VOLATILE = re.compile(
    r"^(process_|python_|linky_exporter_last_frame_timestamp_seconds|linky_exporter_build_info|linky_exporter_http_"
    r"|linky_active_power_watts|linky_power_factor_ratio)"
)
# Kept with its value masked: the meter's clock in a capture minus the time it is replayed.
MASKED = re.compile(r"^(linky_meter_clock_offset_seconds\{.*\}) \S+$")


def stream_of(layout: str) -> bytes:
    name, times = LAYOUTS[layout]
    return fixture_path(name).read_bytes() * times


def stable_exposition(text: str) -> str:
    """The /metrics text without volatile series, for a golden comparison."""
    lines = []
    for line in text.splitlines():
        name = line.split(" ")[2] if line.startswith("# ") else line.split("{")[0].split(" ")[0]
        if not VOLATILE.match(name):
            lines.append(MASKED.sub(r"\1 0.0", line))
    return "\n".join(lines) + "\n"


def in_process_exposition(layout: str, now: float = 1000.0) -> str:
    """The /metrics text of a LinkyCollector over the layout's stream read in this process.

    The stream goes through the decoder, read_frame and MeterState (fed_meter.replayed_state:
    no command, no line, no HTTP) and prometheus_client renders the text format, as the
    exporter's /metrics does for a scraper that does not ask for OpenMetrics.
    """
    registry = CollectorRegistry()
    registry.register(LinkyCollector([replayed_state(stream_of(layout), now=now)], clock=lambda: now))
    return generate_latest(registry).decode()
