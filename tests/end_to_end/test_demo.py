"""The demo a newcomer runs first (serve's DEMO_SOURCE, scripts/demo) shows what a real meter could.

Its clock is the real one, its watts never pass its volt-amperes, and a real
Prometheus with the shipped rules raises no alert about it: a healthy simulated
stack is quiet (an announcement of a Tempo red day is a notice, not a fault).
"""

from __future__ import annotations

import time

import pytest

from linky_exporter.commands.serve import DEMO_SOURCE

from ..support.exporter_process import Exporter
from ..support.processes import free_port, wait_for
from ..support.promtools import PrometheusServer, prometheus_config

pytestmark = pytest.mark.slow

NOTICES = {"LinkyTempoRedTomorrow", "LinkyTempoRedToday", "LinkyMobilePeakNotice"}
WATCH_S = 30


def test_the_demo_is_physically_possible_and_raises_no_alert(tmp_path):
    with Exporter("--tic.source", DEMO_SOURCE) as exporter:
        port = free_port()
        prometheus = PrometheusServer(tmp_path / "prometheus", prometheus_config(f"127.0.0.1:{exporter.port}", port=port), port=port)
        try:
            prometheus.wait_ready()
            wait_for(lambda: prometheus.query('linky_up{meter="demo"} == 1'), timeout=30, what="the demo scraped")
            deadline = time.monotonic() + WATCH_S
            seen_alerts: set[str] = set()
            offsets = 0
            while time.monotonic() < deadline:
                metrics = exporter.scrape()
                offset = metrics.get(("linky_meter_clock_offset_seconds", (("meter", "demo"),)))
                # Near 0: what is left is the reading delay (seconds on a loaded machine); a
                # meter run 60 times faster gained 59 s every second.
                assert offset is None or abs(offset) <= 10, offset
                offsets += offset is not None
                for direction in ("import", "export"):
                    watts = metrics.get(("linky_active_power_watts", (("direction", direction), ("meter", "demo"))))
                    if watts is not None:
                        assert watts <= metrics[("linky_apparent_power_volt_amperes", (("direction", direction), ("meter", "demo")))]
                seen_alerts |= {alert["metric"]["alertname"] for alert in prometheus.query("ALERTS")}
                time.sleep(2)  # watching over a period: nothing to wait for but time
            assert seen_alerts <= NOTICES, seen_alerts
            assert offsets > 0
            assert prometheus.query('linky_meter_info{meter="demo", simulated="true"}')  # and it says it is simulated
        finally:
            prometheus.stop()
