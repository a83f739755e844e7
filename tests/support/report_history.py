"""A simulated meter's history as Prometheus stores it, with the simulator's ground truth,
for `linky-exporter report` (its end-to-end test and its benchmark).

The meter is ``SimulatedMeter``; its frames go through the exporter's own code
(tests/support/scraped_meter.py) at the instants of our choosing, and each scrape is written as
OpenMetrics for ``promtool tsdb create-blocks-from openmetrics`` (or imported into
VictoriaMetrics): months of history in seconds, without waiting on real time.

Two frames precede every half-hour scrape (3 s and 1.5 s before it), as on a real line
where a frame comes every 1-2 s: the registers it stores are those of the frame 3 s
before it (the exporter shows an index once the next frame confirms it), its apparent
power that of the frame 1.5 s before. Other scrapes get the frame 1.5 s before them. Scrapes come every ``every`` seconds on the clock (on
every half-hour when ``every`` is 1800), densely inside ``dense`` windows, never inside
``silent`` ones (the store was down; the meter kept counting).

The simulated meter measures power once a minute (``tick_s``) instead of every 10 s: six times
less simulation for the same months, and the truth stays the meter's own (each register is
the exact sum of its ticks).

Truth: at every half-hour of the span, the meter's exact registers (Fractions of Wh);
at every scrape, the apparent power the simulated meter measured; at every local
midnight, the meter's own maximum of the day before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from linky_exporter.simulator import SimulatedMeter, SimulatorConfig, parse_url
from linky_exporter.simulator.clock import PARIS
from linky_exporter.simulator.transmitter import build_frame

from .scraped_meter import ScrapedMeter

HALF_HOUR_MS = 1_800_000
FRAME_LEADS_MS = (3000, 1500)
_REGISTER = re.compile(r'^linky_energy_imported_by_index_joules_total\{.*index="(\d+)".*register="supplier".*\} (\S+)$')
_EXPORTED = re.compile(r"^linky_energy_exported_joules_total\{.*\} (\S+)$")


@dataclass
class Truth:
    serial: str
    supplier_wh: dict[int, dict[int, Fraction]] = field(default_factory=dict)  # half-hour (Unix s) -> index -> Wh
    exported_wh: dict[int, Fraction] = field(default_factory=dict)
    stored_wh: dict[int, dict[int, int]] = field(default_factory=dict)  # half-hour scrape -> the registers it stored
    stored_export_wh: dict[int, int] = field(default_factory=dict)
    va: dict[int, int] = field(default_factory=dict)  # scrape (Unix s) -> the apparent power it stored
    daily_peak_va: dict[date, int] = field(default_factory=dict)


def coarse(config: SimulatorConfig, tick_s: int) -> SimulatorConfig:
    """``config`` with the meter measuring once every ``tick_s`` seconds."""

    class Coarse(SimulatorConfig):
        @property
        def tick_ms(self) -> int:
            return tick_s * 1000

    return Coarse(**{f.name: getattr(config, f.name) for f in fields(config)})


def local_ms(text: str) -> int:
    return round(datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp() * 1000)


def _scrape_times(start_ms: int, end_ms: int, every_ms: int, dense: Sequence[tuple[str, str, int]],
                  silent: Sequence[tuple[str, str]]) -> list[int]:
    times = set(range(start_ms - start_ms % every_ms + every_ms, end_ms + 1, every_ms))
    for begin, finish, step_s in dense:
        times.update(range(local_ms(begin), local_ms(finish) + 1, step_s * 1000))
    quiet = [(local_ms(a), local_ms(b)) for a, b in silent]
    return sorted(t for t in times if start_ms < t <= end_ms and not any(a < t < b for a, b in quiet))


def write_history(path: Path, url: str, meter: str, start: str, end: str, *, every: int = 1800,
                  dense: Sequence[tuple[str, str, int]] = (), silent: Sequence[tuple[str, str]] = (),
                  target: dict[str, str] | None = None, tick_s: int = 60) -> Truth:
    """Simulate ``url`` from ``start`` to ``end`` (local ISO times) and write what a Prometheus
    scraping the exporter would hold, as OpenMetrics, to ``path``."""
    config = coarse(parse_url(url), tick_s)
    sim = SimulatedMeter(config)
    start_ms, end_ms = local_ms(start), local_ms(end)
    assert sim.start_ms == start_ms, "the URL's start= must be the history's start"
    scraped = ScrapedMeter(meter, target=target or {"job": "linky", "instance": "linky-pi:9798"})
    truth = Truth(sim.address)
    scrapes = _scrape_times(start_ms, end_ms, every * 1000, dense, silent)
    half_hours = range(start_ms - start_ms % HALF_HOUR_MS + HALF_HOUR_MS, end_ms + 1, HALF_HOUR_MS)
    events = sorted({*scrapes, *half_hours})
    scrape_set = set(scrapes)
    mode = config.mode
    with path.open("w") as out:
        for at in events:
            if at in scrape_set:
                # Inside dense windows one frame is enough: only half-hour scrapes need the registers
                # of a frame 3 s before them, confirmed by the next.
                for lead in FRAME_LEADS_MS if at % HALF_HOUR_MS == 0 else FRAME_LEADS_MS[1:]:
                    sim.advance_to(at - lead)
                    scraped.receive(build_frame(sim, mode), (at - lead) / 1000)
                truth.va[at // 1000] = sim.sample.import_va
            if at % HALF_HOUR_MS == 0:
                sim.advance_to(at)
                exact = sim.truth()
                truth.supplier_wh[at // 1000] = dict(exact.supplier_wh)
                truth.exported_wh[at // 1000] = exact.exported_wh
                moment = datetime.fromtimestamp(at / 1000, PARIS)
                if moment.hour == 0 and moment.minute == 0:
                    truth.daily_peak_va[moment.date() - timedelta(days=1)] = sim.smax_yesterday["import"].va
            if at in scrape_set:
                lines = scraped.scrape(at / 1000)
                stamp = f" {at / 1000:.3f}\n"
                out.write(stamp.join(lines) + stamp)
                if at % HALF_HOUR_MS == 0:
                    stored = {}
                    for line in lines:
                        if match := _REGISTER.match(line):
                            stored[int(match[1])] = round(float(match[2]) / 3600)
                        elif match := _EXPORTED.match(line):
                            truth.stored_export_wh[at // 1000] = round(float(match[1]) / 3600)
                    truth.stored_wh[at // 1000] = stored
        out.write("# EOF\n")
    return truth


def prometheus_lines(openmetrics: Path) -> list[str]:
    """The samples of an OpenMetrics file as Prometheus text lines with millisecond timestamps
    (what VictoriaMetrics' /api/v1/import/prometheus reads)."""
    out = []
    with openmetrics.open() as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            series, value, ts = line.rsplit(" ", 2)
            out.append(f"{series} {value} {round(float(ts) * 1000)}\n")
    return out
