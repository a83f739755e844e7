"""Cost to the cent: the shipped cost rules and the documented cost query, on what a real
Prometheus scraped from the real exporter reading a simulated HC/HP meter, against the
cost computed by hand from the simulator's ground truth.

The meter: `contract=hc`, started at 21:50 (peak, index 2) at 600 simulated seconds per
second, so that it crosses 22:00 (off-peak, index 1; the water heater starts) one real
second in. Prices are configured in the exporter (--config.file, `prices:`) and
Prometheus scrapes it every second with the shipped rules.

Real time and simulated time. The recording rules compute, at each evaluation t, the
register at t minus the register one hour (one day) of REAL time earlier. A test cannot
wait an hour, and at 600× an hour of real time would hold 25 simulated days. So before
Prometheus starts, the test backfills (`promtool tsdb create-blocks-from openmetrics`)
one reading of the meter's registers one hour and one day before the exporter starts,
equal to the registers of the simulated meter's first frame: the history of a meter
that was still until the exporter started. The shipped rules, evaluated by Prometheus
in real time, then record the energy since the first frame: a window that holds the
off-peak boundary and a few simulated hours. By hand: the recorded energies must be the
register differences of one frame of the regenerated stream (tests/support/meter_truth.py,
itself checked against the simulator's truth), and the cost is their kWh × price plus
the subscription (1/24 of the daily price for the hour, all of it for the day).

The documented query (docs/promql.md, "Euros of that month", with its two `@` instants
moved to two scrapes of this run and the subscription pro rata of the window) is checked
on live data only: registers at both ends come from Prometheus and must each be a frame
of the ground truth.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linky_exporter.simulator import Transmitter, parse_url
from tests.support.exporter_process import Exporter
from tests.support.meter_truth import find_frame, frame_registers
from tests.support.promtools import ROOT, PrometheusServer, free_port, poll, prometheus_config, run_tool

# Starts Prometheus and waits for its recorded costs.
pytestmark = pytest.mark.slow

METER = "home"
URL = "simulated://standard?contract=hc&seed=21&start=2025-01-14T21:50&speed=600"
PER_KWH = {1: 0.1296, 2: 0.1609}  # HC, HP (README's example)
SUBSCRIPTION = 0.4732  # EUR per day
INDEXES = range(1, 11)
RECORDED_TIMEOUT = 150  # the 1-minute rule group evaluates within its first minute

CONFIG = f"""\
tic:
  source: ["{METER}={URL}"]
prices:
  {METER}:
    subscription_per_day: {SUBSCRIPTION}
    per_kwh: {{1: {PER_KWH[1]}, 2: {PER_KWH[2]}}}
"""


def backfill(path: Path, target: str, registers: dict[int, int], timestamps: list[float]) -> str:
    """OpenMetrics text: the supplier and total registers at each timestamp, as the linky job scraped them."""
    serial = Transmitter(parse_url(URL)).meter.address  # the same meter: its series go on
    labels = f'job="linky",instance="{target}",meter="{METER}",serial="{serial}"'
    lines = []
    for index in INDEXES:
        series = f'linky_energy_imported_by_index_joules_total{{{labels},register="supplier",index="{index}"}}'
        lines += [f"{series} {registers[index] * 3600} {ts:.3f}" for ts in timestamps]
    total = sum(registers.values()) * 3600
    lines += [f"linky_energy_imported_joules_total{{{labels}}} {total} {ts:.3f}" for ts in timestamps]
    path.write_text("\n".join(lines) + "\n# EOF\n")
    return str(path)


def documented_month_cost_query() -> str:
    text = (ROOT / "docs" / "promql.md").read_text()
    blocks = [b for b in re.findall(r"```promql\n(.*?)```", text, re.S) if "linky_subscription_price_euros_per_day[1h] @" in b]
    assert len(blocks) == 1, "docs/promql.md no longer has one 'Euros of that month' query"
    return blocks[0]


def one(prometheus: PrometheusServer, expr: str, at: float) -> dict[str, float]:
    """Instant query at `at`: {index or "": value}."""
    answer = prometheus.api("/api/v1/query", query=expr, time=f"{at:.3f}")
    assert answer["status"] == "success", answer
    return {s["metric"].get("index", ""): float(s["value"][1]) for s in answer["data"]["result"]}


@pytest.fixture
def running(tmp_path) -> Iterator[tuple[PrometheusServer, Exporter, float]]:
    config = tmp_path / "linky.yml"
    config.write_text(CONFIG)
    exporter = Exporter("--config.file", str(config), "--tic.mode", "standard")
    target = f"127.0.0.1:{exporter.port}"
    first = frame_registers(URL, 1)[0]
    started = time.time()
    # one hour and one day before the exporter starts (1 s more: outside every live window)
    om = backfill(tmp_path / "history.om", target, first.supplier_wh, [started - 86401, started - 3601])
    port = free_port()
    workdir = tmp_path / "prometheus"
    run_tool("promtool", "tsdb", "create-blocks-from", "openmetrics", om, workdir / "data")
    prometheus = PrometheusServer(workdir, prometheus_config(target, port=port), port=port)
    try:
        with exporter:
            yield prometheus.wait_ready(), exporter, started
    finally:
        prometheus.stop()


def test_recorded_and_documented_costs_match_the_ground_truth_to_the_cent(running):
    prometheus, exporter, started = running
    selector = f'{{meter="{METER}"}}'
    assert exporter.value("linky_tariff_price_euros_per_kilowatt_hour", meter=METER, register="supplier", index="1") == PER_KWH[1]

    # The first evaluation of the cost group after both indexes have counted energy.
    def recorded_with_both_indexes() -> float | None:
        stamps = one(prometheus, f"timestamp(meter:linky_cost_euros:increase1h{selector})", time.time())
        if not stamps:
            return None
        at = stamps[""]
        energy = one(prometheus, f'meter_index:linky_energy_imported_joules:increase1h{{meter="{METER}",register="supplier"}}', at)
        return at if energy.get("1", 0) > 0 and energy.get("2", 0) > 0 else None

    at = poll(recorded_with_both_indexes, timeout=RECORDED_TIMEOUT, interval=1,
              what="a recorded cost with energy on both HC and HP")
    frames = frame_registers(URL, 300)
    first = frames[0]

    # --- recording rules: energy since the first frame, per index and in total ---
    for window, subscription in (("1h", SUBSCRIPTION / 24), ("1d", SUBSCRIPTION)):
        energy_j = one(prometheus, f'meter_index:linky_energy_imported_joules:increase{window}{{meter="{METER}",register="supplier"}}', at)
        assert set(energy_j) == {str(i) for i in INDEXES}
        delta_wh = {int(i): j / 3600 for i, j in energy_j.items()}
        assert all(wh == int(wh) for wh in delta_wh.values()), delta_wh  # whole Wh, no extrapolation
        frame = find_frame(frames, {i: first.supplier_wh[i] + int(wh) for i, wh in delta_wh.items()})
        assert frame.sim_ms > first.sim_ms
        total = one(prometheus, f"meter:linky_energy_imported_joules:increase{window}{selector}", at)[""]
        assert total == (frame.total_wh - first.total_wh) * 3600

        by_hand = {i: (frame.supplier_wh[i] - first.supplier_wh[i]) / 1000 * price for i, price in PER_KWH.items()}
        per_index = one(prometheus, f"meter_index:linky_energy_cost_euros:increase{window}{selector}", at)
        assert {int(i): v for i, v in per_index.items()} == pytest.approx(by_hand, abs=1e-9)
        cost = one(prometheus, f"meter:linky_cost_euros:increase{window}{selector}", at)[""]
        expected = sum(by_hand.values()) + subscription
        assert cost == pytest.approx(expected, abs=1e-9)
        assert round(cost, 2) == round(expected, 2)

    # --- the documented query between two live scrapes ---
    # The recorded evaluation above may follow the first live scrape only (under load the
    # first frame can already be past 22:00): wait for a later scrape with more off-peak energy.
    def live_scrapes() -> tuple[dict[str, list], list[float]] | None:
        raw = prometheus.api("/api/v1/query", query=f'linky_energy_imported_by_index_joules_total{{meter="{METER}",register="supplier"}}[10m]', time=f"{time.time():.3f}")
        by_index = {s["metric"]["index"]: s["values"] for s in raw["data"]["result"]}
        off_peak = [(ts, float(v)) for ts, v in by_index.get("1", []) if ts >= started]
        return (by_index, [ts for ts, _ in off_peak]) if len(off_peak) > 1 and off_peak[-1][1] > off_peak[0][1] else None

    by_index, live = poll(live_scrapes, timeout=30, interval=1, what="two live scrapes with off-peak energy between them")
    t1, t2 = live[0], live[-1]

    def registers(ts: float) -> dict[int, int]:
        return {int(i): int(float(dict(values)[ts])) // 3600 for i, values in by_index.items()}

    r1, r2 = find_frame(frames, registers(t1)), find_frame(frames, registers(t2))
    query = (documented_month_cost_query()
             .replace("1738364400", f"{t2:.3f}").replace("1735686000", f"{t1:.3f}")
             .replace("* 31", f"* {t2 - t1!r} / 86400"))
    documented = one(prometheus, query, t2)[""]
    expected = sum((r2.supplier_wh[i] - r1.supplier_wh[i]) / 1000 * p for i, p in PER_KWH.items()) + SUBSCRIPTION * (t2 - t1) / 86400
    assert documented == pytest.approx(expected, abs=1e-9)
    assert round(documented, 2) == round(expected, 2)
    assert r2.supplier_wh[1] > r1.supplier_wh[1]  # the window holds off-peak energy
