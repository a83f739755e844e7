"""The path past one machine: a Prometheus in agent mode remote-writes to a central TSDB.

A real Prometheus started with --web.enable-remote-write-receiver plays the central
TSDB; a second real Prometheus runs in agent mode with deploy/prometheus/agent.yml
(only its placeholders replaced: target, receiver URL, and a 1 s scrape interval and
send deadline so the test does not wait 15 s for the first scrape). It scrapes a
stand-in for the exporter served here with prometheus_client; the series must arrive
in the receiver with the agent's external label.

The stand-in exposes a few contract series. The end-to-end test with the real
exporter replaces `standin_exporter` by the exporter started on the simulated meter.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, make_wsgi_app

from tests.promtools import DEPLOY, PrometheusServer, poll

ARRIVAL_TIMEOUT = 60  # seconds; a bound for the wait, not an assertion on speed


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@pytest.fixture
def standin_exporter() -> Iterator[str]:
    """A tiny /metrics endpoint with contract series of one meter; yields host:port."""
    registry = CollectorRegistry()
    Gauge("linky_up", "1 while valid frames arrive", ["meter"], registry=registry).labels("linky").set(1)
    Counter(
        "linky_energy_imported_joules", "Active energy drawn (EAST)", ["meter"], registry=registry
    ).labels("linky").inc(12_345_678 * 3600)
    Gauge(
        "linky_apparent_power_volt_amperes", "Apparent power", ["meter", "direction"], registry=registry
    ).labels("linky", "import").set(1230)
    server: WSGIServer = make_server("127.0.0.1", 0, make_wsgi_app(registry), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(tmp_path) -> Iterator[PrometheusServer]:
    server = PrometheusServer(
        tmp_path / "receiver", "global:\n  scrape_interval: 15s\n", extra_flags=("--web.enable-remote-write-receiver",)
    )
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def agent_config(target: str, write_url: str) -> str:
    """deploy/prometheus/agent.yml with its placeholders replaced."""
    text = (DEPLOY / "agent.yml").read_text()
    replacements = {
        '["127.0.0.1:9798"]': f'["{target}"]',
        '"http://central.example.org:9090/api/v1/write"': f'"{write_url}"',
        "scrape_interval: 15s": "scrape_interval: 1s",
        "batch_send_deadline: 5s": "batch_send_deadline: 1s",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"agent.yml no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def agent(tmp_path, standin_exporter, receiver) -> Iterator[PrometheusServer]:
    config = agent_config(standin_exporter, receiver.url + "/api/v1/write")
    server = PrometheusServer(tmp_path / "agent", config, agent=True)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def _series(receiver: PrometheusServer, expr: str) -> list[dict]:
    return receiver.query(expr)


def test_agent_remote_writes_the_meter_series_to_the_receiver(standin_exporter, receiver, agent):
    selector = f'{{job="linky",instance="{standin_exporter}",meter="linky",site="home"}}'
    arrived = poll(
        lambda: _series(receiver, "linky_up" + selector),
        timeout=ARRIVAL_TIMEOUT,
        what="linky_up from the agent in the receiver",
    )
    assert [float(sample["value"][1]) for sample in arrived] == [1.0]

    energy = poll(
        lambda: _series(receiver, "linky_energy_imported_joules_total" + selector),
        timeout=ARRIVAL_TIMEOUT,
        what="the energy counter in the receiver",
    )
    assert float(energy[0]["value"][1]) == 12_345_678 * 3600

    power = _series(receiver, 'linky_apparent_power_volt_amperes{direction="import",site="home"}')
    assert [float(sample["value"][1]) for sample in power] == [1230.0]

    # the agent's own scrape health travels too, so LinkyExporterDown works centrally
    up = _series(receiver, f'up{{job="linky",instance="{standin_exporter}",site="home"}}')
    assert [float(sample["value"][1]) for sample in up] == [1.0]


def test_agent_mode_keeps_no_queryable_tsdb(agent):
    """The Pi side answers no queries: storage and rules are central."""
    answer = agent.api("/api/v1/query", query="linky_up")
    assert answer["status"] == "error"
    assert "Agent" in answer["error"]
