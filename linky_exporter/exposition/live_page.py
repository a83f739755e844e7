"""The page at ``/``: one live card per meter, refreshed from /api/live, above the status table.

Self-contained: the script and the style are inline and nothing comes from another
host (a Pi without internet shows it whole). The Content-Security-Policy allows
exactly those two inline blocks, by their SHA-256, and requests to this origin
only. The status table is rendered here, so the page says something even without
JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import html
import time
from collections.abc import Sequence
from importlib.resources import files

from .. import __version__
from ..meter import MeterState

_HERE = files(__package__)
SCRIPT = _HERE.joinpath("live_page.js").read_text(encoding="utf-8")
STYLE = _HERE.joinpath("live_page.css").read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; script-src {_sha256(SCRIPT)}; style-src {_sha256(STYLE)}; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


def live_page(meters: Sequence[MeterState], telemetry_path: str, now: float | None = None) -> str:
    path = html.escape(telemetry_path)
    simulated = any(meter.snapshot.simulated for meter in meters)
    banner = "<p class=\"alert\">This exporter reads a SIMULATED meter: its values are not real.</p>" if simulated else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>linky-exporter</title><style>{STYLE}</style></head>
<body><h1>linky-exporter {html.escape(__version__)}</h1>
{banner}<p id="updated">loading…</p>
<main id="meters"></main>
<h3>Status</h3>
<div class="status">{status_table(meters, now)}</div>
<p>Metrics for Prometheus: <a href="{path}">{path}</a> · <a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a>
· the page's data: <a href="api/live">api/live</a></p>
<script>{SCRIPT}</script>
</body></html>
"""


def status_table(meters: Sequence[MeterState], now: float | None = None) -> str:
    now = time.time() if now is None else now
    rows = []
    for meter in meters:
        snap = meter.snapshot
        age = "never" if snap.last_frame_at is None else f"{now - snap.last_frame_at:.1f} s ago"
        power = snap.fresh(snap.readout.apparent_power_va, now)
        watts = snap.fresh(snap.readout.active_power_w, now)
        kind = "<strong>SIMULATED meter — not real data</strong>" if snap.simulated else "real meter"
        cells = (
            html.escape(snap.meter),
            kind,
            html.escape(snap.identity.get("mode", "detecting…")),
            "up" if snap.up(now) else "<strong>down</strong>",
            age,
            "—" if watts is None else f"{watts:.0f} W",
            "—" if power is None else f"{power:.0f} VA",
            str(snap.valid_frames),
            str(snap.group_errors),
            "yes" if snap.connected else "<strong>no</strong>",
        )
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return (
        "<table><tr><th>meter</th><th>source</th><th>mode</th><th>state</th><th>last valid frame</th>"
        "<th>active power</th><th>apparent power</th><th>valid frames</th><th>group errors</th><th>source open</th></tr>"
        + "".join(rows)
        + "</table>"
    )
