"""No phantom kWh, no phantom euros: a real Prometheus scrapes the real exporter through every
change a source can go through, and the energy it reports equals the simulator's truth.

Sources (the simulated meters run at SPEED simulated seconds per real second, on a June
night, a few hundred watts):

- ``up``: a meter at 9.4 MWh replaced (same line) by one at 45.2 MWh (``meter_swap``);
- ``down``: a meter at 37.4 MWh replaced by a new one at 0 Wh (``swap_fresh=1``);
- ``switch``: a historique meter switched to standard by Enedis (``mode_switch``);
- ``back``: a standard meter switched back to historique;
- ``silent``: a line that goes silent for longer than ``--tic.stale-after``, then comes back;
- ``moved``: a meter behind ``simulate --tcp`` and a relay standing for the dongle: the
  dongle is unplugged then plugged back, then its exporter is restarted.

The first five are read by one exporter in-process; ``moved`` by a second exporter on a
fixed port, so that Prometheus scrapes it again after the restart. Prometheus scrapes both
every quarter second and evaluates the shipped rule files, their group intervals shortened to
one second (the expressions are the shipped ones).

The truth of a meter is what its registers counted between the first and the last reading
Prometheus holds: every reading is checked to be a frame of the regenerated simulated
stream of the serial it is labelled with (the streams are deterministic), and the energy is
the sum over the meter's serials of last - first. Against it, over a window spanning every
change: ``sum by (meter) (increase(...))`` (1 Wh: increase() extrapolates half a scrape at
the ends of each series), the shipped daily and hourly energy rules, the daily cost rule,
and the Energy dashboard's kWh and cost queries (1 Wh, 1 cent). No alert fires.
"""

from __future__ import annotations

import contextlib
import math
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

from ..support.exporter_process import Exporter, TcpLine, free_port
from ..support.grafana_queries import panel_queries
from ..support.promtools import DEPLOY, PrometheusServer, poll
from ..support.simulator_process import SimulatedTcp

# Starts Prometheus and waits for its rules across meter changes.
pytestmark = pytest.mark.slow

SPEED = 10
START = "2024-06-15T03:00"
CHANGE_S = 10  # real seconds after the line opens: the swaps and the mode switch
COMMON = f"contract=hc&start={START}&speed={SPEED}"
METERS = {
    "up": f"simulated://standard?{COMMON}&seed=25&scenario=meter_swap&swap_at={CHANGE_S * SPEED}s&swap_seed=20",
    "down": f"simulated://standard?{COMMON}&seed=27&scenario=meter_swap&swap_at={CHANGE_S * SPEED}s&swap_fresh=1",
    "switch": f"simulated://historique?{COMMON}&seed=23&scenario=mode_switch&switch_at={CHANGE_S * SPEED}s",
    "back": f"simulated://standard?{COMMON}&seed=22&scenario=mode_switch&switch_at={CHANGE_S * SPEED}s",
    "silent": f"simulated://standard?{COMMON}&seed=24&scenario=silent&silent_at={4 * SPEED}s&silent_for={6 * SPEED}s",
}
MOVED = f"simulated://standard?{COMMON}&seed=29"
SWAPPED = {"up": (25, 20), "down": (27, 28)}
PER_KWH = {1: 0.2068, 2: 0.2700}
SUBSCRIPTION = 0.4732
SCRAPE_S = 0.25
SCRAPE = "250ms"
STALE_AFTER = "2s"
ENERGY = "linky_energy_imported_joules_total"
BY_INDEX = "linky_energy_imported_by_index_joules_total"
# What a silent line, an unplugged dongle and an exporter restart may leave pending (for:
# minutes): they are true. The simulated meters' clocks run at their own speed from
# their own start, far from the exporter's: LinkyClockOffset pending is true too.
# Nothing may fire.
JUSTIFIED_PENDING = {"LinkyMeterSilent", "LinkyDataMissing", "LinkyExporterDown", "LinkyClockOffset"}


class Dongle(TcpLine):
    """A relay from a ``simulate --tcp`` line to the exporter: unplugging it drops the
    connection and refuses new ones while the meter keeps sending (its bytes are lost)."""

    def __init__(self, upstream: str):
        host, port = upstream.rsplit(":", 1)
        self._upstream = socket.create_connection((host, int(port)))
        super().__init__()
        threading.Thread(target=self._pump, daemon=True).start()

    def plug(self) -> None:
        self.start()

    def unplug(self) -> None:
        self.stop()

    def close(self) -> None:
        self.unplug()
        self._upstream.close()

    def _pump(self) -> None:
        while True:
            try:
                data = self._upstream.recv(4096)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                for client in list(self._clients):
                    try:
                        client.sendall(data)
                    except OSError:  # the exporter went away (restart)
                        self._clients.remove(client)
                        client.close()


def stream_truth(url: str, frames: int = 400) -> dict[str, dict[int, set[int]]]:
    """serial -> {0: the totals it sent, index: that supplier index's values}, from the regenerated stream."""
    transmitter = Transmitter(parse_url(url))
    truth: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for _ in range(frames):
        emission = transmitter.next_emission()
        [frame] = FrameDecoder().feed(emission.data)
        assert frame.result is FrameResult.VALID
        reading = read_frame(frame)
        assert reading.serial == transmitter.meter.address
        truth[reading.serial][0].add(reading.energy_imported_wh)
        for index, wh in reading.supplier_energy_wh.items():
            truth[reading.serial][index].add(wh)
    return truth


def shortened_rules(directory: Path) -> list[Path]:
    """The shipped rule files with every group evaluated each second: same expressions."""
    paths = []
    for path in sorted((DEPLOY / "rules").glob("*.yml")):
        rules = yaml.safe_load(path.read_text())
        for group in rules["groups"]:
            group["interval"] = "1s"
        copy = directory / path.name
        copy.write_text(yaml.safe_dump(rules, sort_keys=False))
        paths.append(copy)
    return paths


@pytest.fixture
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    workdir = tmp_path_factory.mktemp("meter-change")
    def prices(names: list[str]) -> str:
        path = workdir / f"{names[0]}.yml"
        path.write_text("prices:\n" + "".join(
            f"  {name}: {{subscription_per_day: {SUBSCRIPTION}, per_kwh: {{1: {PER_KWH[1]}, 2: {PER_KWH[2]}}}}}\n"
            for name in names))
        return str(path)

    port_a, port_b = free_port(), free_port()
    rules = "".join(f"  - {path}\n" for path in shortened_rules(workdir))
    prometheus = PrometheusServer(workdir / "prometheus", f"""\
global:
  scrape_interval: {SCRAPE}
  evaluation_interval: {SCRAPE}
rule_files:
{rules}scrape_configs:
  - job_name: linky
    static_configs:
      - targets: ["127.0.0.1:{port_a}", "127.0.0.1:{port_b}"]
""")
    common = ("--tic.stale-after", STALE_AFTER)
    sources = [arg for name, url in METERS.items() for arg in ("--tic.source", f"{name}={url}")]
    with contextlib.ExitStack() as stack:
        stack.callback(prometheus.stop)
        prometheus.wait_ready()
        line = stack.enter_context(SimulatedTcp(MOVED))
        dongle = Dongle(line.address)
        stack.callback(dongle.close)
        moved_args = (*common, "--config.file", prices(["moved"]), "--tic.source", f"moved={dongle.url}")
        exporter = stack.enter_context(Exporter(*common, "--config.file", prices(list(METERS)), *sources, port=port_a))
        started = time.time()
        moved = [Exporter(*moved_args, port=port_b).__enter__()]
        stack.callback(lambda: moved[0].__exit__(None, None, None))
        moved[0] = play_the_dongle(prometheus, moved[0], dongle, moved_args, port_b)
        wait_for_every_change(prometheus, exporter, started)
        yield {"prometheus": prometheus, "log": exporter.log(), "started": started}


def holds(prometheus: PrometheusServer, expr: str) -> bool:
    """Whether a filtering query (``x == 0``) returns anything."""
    return bool(prometheus.query(expr))


def value(prometheus: PrometheusServer, expr: str) -> float | None:
    result = prometheus.query(expr)
    return float(result[0]["value"][1]) if result else None


def play_the_dongle(prometheus: PrometheusServer, moved: Exporter, dongle: Dongle, args: tuple, port: int) -> Exporter:
    """Unplug the dongle until the meter is down, plug it back, then restart the exporter."""
    counting = f'count(last_over_time({ENERGY}{{meter="moved"}}[2s]))'
    poll(lambda: holds(prometheus, f"count_over_time({ENERGY}{{meter=\"moved\"}}[1m]) >= 3"), timeout=30,
         what="Prometheus scraping the moved meter's energy")
    dongle.unplug()
    poll(lambda: moved.value("linky_up", meter="moved") == 0, timeout=20, what="the unplugged meter down")
    dongle.plug()
    poll(lambda: moved.value("linky_up", meter="moved") == 1 and value(prometheus, counting), timeout=30,
         what="the meter back after the dongle")
    moved.__exit__(None, None, None)
    poll(lambda: holds(prometheus, f'up{{instance="127.0.0.1:{port}"}} == 0'), timeout=20, what="the exporter seen down")
    moved = Exporter(*args, port=port).__enter__()
    poll(lambda: value(prometheus, counting), timeout=30, what="the moved meter's energy after the restart")
    return moved


def wait_for_every_change(prometheus: PrometheusServer, exporter: Exporter, started: float) -> None:
    poll(lambda: time.time() > started + CHANGE_S + 4 and all(
        value(prometheus, f'count(count by (serial) (count_over_time({ENERGY}{{meter="{m}"}}[5m])))') == 2 for m in SWAPPED)
        and value(prometheus, f'count(count_over_time(linky_meter_info{{meter="switch",mode="standard"}}[5m]))')
        and value(prometheus, f'count(count_over_time(linky_meter_info{{meter="back",mode="historique"}}[5m]))')
        and holds(prometheus, 'min_over_time(linky_up{meter="silent"}[5m]) == 0 and linky_up{meter="silent"} == 1'),
        timeout=40, what="both swaps, the mode switch and the silent line's return")
    # a few more readings of the new series, and rules evaluated on them
    after = time.time() + 3
    poll(lambda: time.time() > after and (value(prometheus, f"timestamp(meter:linky_energy_imported_joules:increase1d{{meter=\"up\"}})") or 0) > after,
         timeout=20, what="the rules evaluated after the last change")


def samples(prometheus: PrometheusServer, selector: str, at: float, key: str = "serial") -> dict[tuple, list[float]]:
    answer = prometheus.api("/api/v1/query", query=f"{selector}[10m]", time=f"{at:.3f}")
    assert answer["status"] == "success", answer
    return {tuple(s["metric"].get(k, "") for k in key.split()): [float(v) for _, v in s["values"]]
            for s in answer["data"]["result"]}


def instant(prometheus: PrometheusServer, expr: str, at: float) -> list[dict]:
    answer = prometheus.api("/api/v1/query", query=expr, time=f"{at:.3f}")
    assert answer["status"] == "success", (expr, answer)
    return answer["data"]["result"]


def one(prometheus: PrometheusServer, expr: str, at: float) -> float:
    result = instant(prometheus, expr, at)
    assert len(result) == 1, (expr, result)
    return float(result[0]["value"][1])


def truth_of(prometheus: PrometheusServer, meter: str, url: str, at: float) -> tuple[float, dict[int, float], list[str]]:
    """(Wh drawn, Wh per supplier index, serials in order) from the readings Prometheus holds, each checked."""
    stream = stream_truth(url)
    totals = samples(prometheus, f'{ENERGY}{{meter="{meter}"}}', at)
    energy = 0.0
    for (serial,), values in totals.items():
        assert serial in stream, f"{meter}: serial {serial} is no meter of the stream"
        assert values == sorted(values), f"{meter}/{serial}: a register went back"
        wh = [v / 3600 for v in values]
        assert set(wh) <= stream[serial][0], f"{meter}/{serial}: readings that no frame sent"
        energy += wh[-1] - wh[0]
    per_index: dict[int, float] = defaultdict(float)
    for (serial, index), values in samples(prometheus, f'{BY_INDEX}{{meter="{meter}",register="supplier"}}', at, "serial index").items():
        wh = [v / 3600 for v in values]
        assert set(wh) <= stream[serial][int(index)], f"{meter}/{serial}/{index}: readings that no frame sent"
        per_index[int(index)] += wh[-1] - wh[0]
    return energy, dict(per_index), [serial for (serial,) in totals]


ALL = {**METERS, "moved": MOVED}


def test_no_phantom_energy_nor_cost_across_any_change(run):
    """One test, one Prometheus: the checks below share the run (xdist would start one per test)."""
    check_the_simulated_changes_happened(run)
    check_no_scrape_pairs_a_meter_with_the_other_ones_energy(run)
    for meter in ALL:
        check_increase_rules_and_dashboards_count_what_the_meter_counted(run, meter)
    check_no_alert_fires_that_the_truth_does_not_justify(run)


def check_the_simulated_changes_happened(run):
    prometheus, at = run["prometheus"], time.time()
    for meter, (old, new) in SWAPPED.items():
        serials = [s for (s,) in samples(prometheus, f'{ENERGY}{{meter="{meter}"}}', at)]
        expected = {Transmitter(parse_url(f"simulated://standard?{COMMON}&seed={seed}")).meter.address for seed in (old, new)}
        assert set(serials) == expected
        # one warning per swap, naming both serials
        warnings = [line for line in run["log"].splitlines() if f'msg="meter {meter}: serial changed' in line]
        assert len(warnings) == 1 and "level=warn" in warnings[0] and all(serial in warnings[0] for serial in expected), warnings
    for meter in ("switch", "back"):
        assert len(samples(prometheus, f'{ENERGY}{{meter="{meter}"}}', at)) == 1  # the same meter: one series
        modes = samples(prometheus, f'linky_meter_info{{meter="{meter}"}}', at, "mode")
        assert set(modes) == {("historique",), ("standard",)}
    assert "serial changed" not in "".join(line for line in run["log"].splitlines() if any(f"meter {m}:" in line for m in ("switch", "back", "silent")))


def check_no_scrape_pairs_a_meter_with_the_other_ones_energy(run):
    prometheus, at = run["prometheus"], time.time()
    for meter in SWAPPED:
        # at every scrape, the energy's serial is the one linky_meter_info names
        mismatched = prometheus.api("/api/v1/query", time=f"{at:.3f}", query=(
            f'count_over_time((count by (serial) ({ENERGY}{{meter="{meter}"}}) unless on (serial) '
            f'linky_meter_info{{meter="{meter}"}})[2m:{SCRAPE}])'))
        assert mismatched["status"] == "success"
        assert mismatched["data"]["result"] == [], f"{meter}: energy of a serial that meter_info did not name"


def check_increase_rules_and_dashboards_count_what_the_meter_counted(run, meter):
    prometheus = run["prometheus"]
    at = one(prometheus, f'timestamp(meter:linky_energy_imported_joules:increase1d{{meter="{meter}"}})', time.time())
    energy_wh, per_index, serials = truth_of(prometheus, meter, ALL[meter], at)
    assert energy_wh > 3, f"{meter}: too little energy for the test to mean anything ({energy_wh} Wh)"
    window_s = math.ceil(at - run["started"]) + 30  # from before the first reading
    selector = f'{{meter="{meter}"}}'

    # Prometheus' own increase(), summed over the serials
    increased = one(prometheus, f"sum by (meter) (increase({ENERGY}{selector}[{window_s}s]))", at) / 3600
    assert increased == pytest.approx(energy_wh, abs=1), (meter, serials)

    # the shipped recording rules (hour and day: both windows hold the whole run)
    for rule in ("meter:linky_energy_imported_joules:increase1d", "meter:linky_energy_imported_joules:increase1h"):
        assert one(prometheus, f"{rule}{selector}", at) / 3600 == pytest.approx(energy_wh, abs=1), rule
    recorded = {int(s["metric"]["index"]): float(s["value"][1]) / 3600 for s in instant(
        prometheus, f'meter_index:linky_energy_imported_joules:increase1d{{meter="{meter}",register="supplier"}}', at)}
    for index, wh in per_index.items():
        assert recorded.get(index, 0.0) == pytest.approx(wh, abs=1), index
    cost = sum(wh / 1000 * PER_KWH.get(index, 0) for index, wh in per_index.items())
    daily_cost = one(prometheus, f"meter:linky_cost_euros:increase1d{selector}", at)
    assert daily_cost == pytest.approx(cost + SUBSCRIPTION, abs=0.01)

    # the Energy dashboard's queries over a range holding the whole run
    queries = {(q.panel_title, q.ref_id): q for q in panel_queries([meter], range=f"{window_s}s")
               if q.dashboard_uid == "linky-energy"}
    by_index = instant(prometheus, queries[("This month by index", "A")].expr, at)
    assert sum(float(s["value"][1]) for s in by_index) * 1000 == pytest.approx(energy_wh, abs=1)
    this_range = instant(prometheus, queries[("Selected range against the one before", "A")].expr, at)
    assert float(this_range[0]["value"][1]) * 1000 == pytest.approx(energy_wh, abs=1)
    total = instant(prometheus, queries[("Cost over the selected range", "A")].expr, at)
    assert len(total) == 1, (meter, queries[("Cost over the selected range", "A")].expr)
    assert float(total[0]["value"][1]) == pytest.approx(cost + SUBSCRIPTION * window_s / 86400, abs=0.01)
    # the daily bar that ends at `at` (a bar counts the day after its point)
    day = instant(prometheus, queries[("Drawn and injected per day", "A")].expr, at - 86400)
    assert float(day[0]["value"][1]) * 1000 == pytest.approx(energy_wh, abs=1)


def check_no_alert_fires_that_the_truth_does_not_justify(run):
    alerts = run["prometheus"].api("/api/v1/alerts")["data"]["alerts"]
    assert [a for a in alerts if a["state"] == "firing"] == []
    unjustified = [a["labels"] for a in alerts if a["labels"]["alertname"] not in JUSTIFIED_PENDING]
    assert unjustified == []
