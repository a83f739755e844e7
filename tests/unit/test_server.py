"""server.py: the /metrics response cache, the landing page and the health endpoints (no sockets here;
tests/unit/test_http_server.py serves them over real connections)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry

from linky_exporter.exposition import app as server
from linky_exporter.exposition.app import RENDER_CACHE_S, ExporterApp
from linky_exporter.exposition.live_page import live_page as landing_page
from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.meter import MeterState
from linky_exporter.web.http_protocol import Request

from ..support.fed_meter import fed_state


class Clocks:
    """Stands in for the time module in server.py: wall and monotonic time moved by hand."""

    def __init__(self, wall: float):
        self.wall, self.mono = wall, 0.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def clocks(monkeypatch) -> Clocks:
    fake = Clocks(wall=1000.0)
    monkeypatch.setattr(server, "time", SimpleNamespace(time=fake.time, monotonic=fake.monotonic))
    return fake


def app_for(meters: list[MeterState], clocks: Clocks) -> tuple[ExporterApp, list[int]]:
    """The app, with a count of the renderings prometheus_client really does."""
    registry = CollectorRegistry()
    registry.register(LinkyCollector(meters, clock=clocks.time))
    app = ExporterApp(registry, meters)
    renderings = [0]
    render = app.metrics_app

    def counting(environ, start_response):
        renderings[0] += 1
        return render(environ, start_response)

    app.metrics_app = counting
    return app, renderings


def get(app: ExporterApp, path: str = "/metrics", **headers: str) -> tuple[int, bytes]:
    status, _, body = app.handle(Request("GET", path, "", "HTTP/1.1", headers, 0))
    return status, body


def test_scrapes_within_the_cache_lifetime_share_one_rendering(clocks):
    app, renderings = app_for([fed_state()], clocks)
    first = get(app)
    clocks.advance(RENDER_CACHE_S / 2)
    assert get(app) == first and renderings[0] == 1
    clocks.advance(RENDER_CACHE_S / 2)
    assert get(app)[0] == 200 and renderings[0] == 2  # the lifetime is over


def test_a_new_snapshot_invalidates_the_rendering(clocks):
    state = fed_state()
    app, renderings = app_for([state], clocks)
    assert b'linky_exporter_source_connected{meter="linky"} 0.0' in get(app)[1]
    state.record_connected(True)
    assert b'linky_exporter_source_connected{meter="linky"} 1.0' in get(app)[1]
    assert renderings[0] == 2


def test_other_request_headers_get_their_own_rendering(clocks):
    app, renderings = app_for([fed_state()], clocks)
    text = get(app)[1]
    openmetrics = get(app, accept="application/openmetrics-text; version=1.0.0")[1]
    assert openmetrics.endswith(b"# EOF\n") and not text.endswith(b"# EOF\n")
    assert renderings[0] == 2


def test_a_rendering_is_not_reused_past_a_values_staleness(clocks):
    state = fed_state(now=1000.0 - 30 + RENDER_CACHE_S / 4)  # stale a quarter of the lifetime from now
    app, renderings = app_for([state], clocks)
    assert b'linky_up{meter="linky"} 1.0' in get(app)[1]
    clocks.advance(RENDER_CACHE_S / 2)
    assert b'linky_up{meter="linky"} 0.0' in get(app)[1] and renderings[0] == 2


def test_the_landing_page_shows_each_meter_from_its_snapshot():
    now = time.time()
    live, quiet = fed_state("<house>", now=now), MeterState("garage", stale_after=30, simulated=True)
    page = landing_page([live, quiet], "/metrics", now=now)
    assert "&lt;house&gt;" in page and "<house>" not in page
    va = live.snapshot.fresh_samples(now)[("linky_apparent_power_volt_amperes", ("import",))]
    assert f"<td>{va:.0f} VA</td>" in page
    assert "SIMULATED meter" in page and "never" in page and "<strong>down</strong>" in page
    later = landing_page([live], "/metrics", now=now + 31)
    assert f"{va:.0f} VA" not in later and "<strong>down</strong>" in later


def test_health_readiness_and_unknown_paths(clocks):
    ready = [False]
    app = ExporterApp(CollectorRegistry(), [], ready=lambda: ready[0])
    assert get(app, "/-/healthy") == (200, b"Healthy\n")
    assert get(app, "/-/ready")[0] == 503
    ready[0] = True
    assert get(app, "/-/ready") == (200, b"Ready\n")
    status, body = get(app, "/nowhere")
    assert status == 404 and b"/metrics" in body
