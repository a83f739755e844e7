"""The path past one machine, with the real exporter on the simulated meter.

Remote write: a real Prometheus started with --web.enable-remote-write-receiver plays
the central TSDB; a second real Prometheus runs in agent mode with
deploy/prometheus/agent.yml (only its placeholders replaced: target, receiver URL,
and a 1 s scrape interval and send deadline so the test does not wait 15 s for the
first scrape). It scrapes the exporter; the meter's series must arrive in the
receiver with the agent's external label and the values the exporter served.

Federation: the Pi runs a full Prometheus (deploy/prometheus/prometheus.yml with the
shipped rules) and a central Prometheus scrapes its /federate endpoint with
deploy/prometheus/federation.yml's match[] selectors: the raw series and the
recorded `meter:` series arrive with the Pi's job/instance and the central `site`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linky_exporter.simulator import SimulatedMeter, parse_url
from tests.support.exporter_process import Exporter
from tests.support.promtools import PrometheusServer, agent_config, free_port, poll, prometheus_config, shipped

# Starts Prometheus servers and agents.
pytestmark = pytest.mark.slow

ARRIVAL_TIMEOUT = 60  # seconds; a bound for the wait, not an assertion on speed
METER_URL = "simulated://standard?seed=11&start=2025-01-14T18:30"  # dinner time: the house draws power
SERIAL = SimulatedMeter(parse_url(METER_URL)).address  # the energy series carry it


@pytest.fixture(scope="module")
def exporter() -> Iterator[Exporter]:
    with Exporter("--tic.mode", "standard", "--tic.source", f"linky={METER_URL}") as running:
        # the energy registers are served once the index guard has seen them twice
        poll(lambda: running.value("linky_energy_imported_joules_total", serial=SERIAL), timeout=ARRIVAL_TIMEOUT,
             what="the exporter serving the meter's energy")
        yield running


@pytest.fixture
def receiver(tmp_path) -> Iterator[PrometheusServer]:
    server = PrometheusServer(
        tmp_path / "receiver", "global:\n  scrape_interval: 15s\n", extra_flags=("--web.enable-remote-write-receiver",)
    )
    try:
        yield server.wait_ready()
    finally:
        server.stop()




def federation_config(pi: str) -> str:
    """deploy/prometheus/federation.yml pointed at the Pi's Prometheus, every second."""
    return shipped("federation.yml", {
        '["linky-pi:9090"]': f'["{pi}"]',
        "scrape_interval: 1m": "scrape_interval: 1s",
        "evaluation_interval: 1m": "evaluation_interval: 1s",
    })


def exporter_target(exporter: Exporter) -> str:
    return f"127.0.0.1:{exporter.port}"


@pytest.fixture
def agent(tmp_path, exporter, receiver) -> Iterator[PrometheusServer]:
    config = agent_config(exporter_target(exporter), receiver.url + "/api/v1/write")
    server = PrometheusServer(tmp_path / "agent", config, agent=True)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def values(server: PrometheusServer, expr: str) -> list[float]:
    return [float(sample["value"][1]) for sample in server.query(expr)]


def test_agent_remote_writes_the_meter_series_to_the_receiver(exporter, receiver, agent):
    before = exporter.value("linky_energy_imported_joules_total", serial=SERIAL)
    target = exporter_target(exporter)
    selector = f'{{job="linky",instance="{target}",meter="linky",site="home"}}'
    arrived = poll(lambda: values(receiver, "linky_up" + selector), timeout=ARRIVAL_TIMEOUT,
                   what="linky_up from the agent in the receiver")
    assert arrived == [1.0]

    energy = poll(lambda: values(receiver, "linky_energy_imported_joules_total" + selector), timeout=ARRIVAL_TIMEOUT,
                  what="the energy counter in the receiver")
    after = exporter.value("linky_energy_imported_joules_total", serial=SERIAL)
    # the meter's own register (whole Wh), as served by the exporter while the agent ran
    assert len(energy) == 1 and before <= energy[0] <= after and energy[0] % 3600 == 0, (before, energy, after)

    power = poll(lambda: values(receiver, 'linky_apparent_power_volt_amperes{direction="import",' + selector[1:]),
                 timeout=ARRIVAL_TIMEOUT, what="the apparent power in the receiver")
    assert len(power) == 1 and 0 < power[0] < 9000  # a house at dinner, under its 9 kVA

    info = values(receiver, 'linky_meter_info{simulated="true",mode="standard",site="home"}')
    assert info == [1.0]

    # the agent's own scrape health travels too, so LinkyExporterDown works centrally
    assert values(receiver, f'up{{job="linky",instance="{target}",site="home"}}') == [1.0]


def test_agent_mode_keeps_no_queryable_tsdb(agent):
    """The Pi side answers no queries: storage and rules are central."""
    answer = agent.api("/api/v1/query", query="linky_up")
    assert answer["status"] == "error"
    assert "Agent" in answer["error"]


def test_central_prometheus_federates_the_pi(tmp_path, exporter):
    pi_port = free_port()
    pi = PrometheusServer(tmp_path / "pi", prometheus_config(exporter_target(exporter), port=pi_port), port=pi_port)
    central = PrometheusServer(tmp_path / "central", federation_config(f"127.0.0.1:{pi_port}"))
    try:
        pi.wait_ready()
        central.wait_ready()
        target = exporter_target(exporter)
        # honor_labels: job and instance are the Pi's, `site` is added centrally
        selector = f'{{job="linky",instance="{target}",meter="linky",site="home"}}'
        assert poll(lambda: values(central, "linky_up" + selector), timeout=ARRIVAL_TIMEOUT,
                    what="linky_up federated from the Pi") == [1.0]
        energy = poll(lambda: values(central, "linky_energy_imported_joules_total" + selector),
                      timeout=ARRIVAL_TIMEOUT, what="the energy counter federated from the Pi")
        assert energy[0] % 3600 == 0 and energy[0] <= exporter.value("linky_energy_imported_joules_total", serial=SERIAL)
        # a recorded series of the Pi's rules (second match[] selector)
        power = poll(lambda: values(central, "meter:linky_active_power_watts:rate5m" + selector),
                     timeout=ARRIVAL_TIMEOUT, what="the Pi's recorded power federated")
        assert len(power) == 1 and power[0] >= 0
        # the Pi's own job is not copied: only the linky job and the recorded series are matched
        assert central.query('{job="prometheus"}') == []
        assert values(central, 'up{job="federate-linky"}') == [1.0]
    finally:
        central.stop()
        pi.stop()
