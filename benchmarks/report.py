"""Time of `linky-exporter report` for a year of one meter in a local Prometheus.

    python -m benchmarks.report [--days 365] [--interval 15] [--runs 3] [--keep DIR]

Method:

1. The series the report reads, with the names and labels the exporter gives them (taken
   from one scrape of the exporter's own collector, tests/support/scraped_meter.py), get a sample
   every --interval seconds (15 s: the shipped scrape interval) for --days days, as
   Prometheus would have scraped them. Their values are those of a simulated meter
   (standard, single-phase, Tempo, measuring once a minute): its registers, its apparent
   power, its maximum of the day and of the day before. The exporter's other series are
   left out: the report selects by name, so they would only lengthen index lookups.
   Going through the whole exporter for 2 million scrapes would take most of an hour;
   tests/end_to_end/test_report_end_to_end.py proves the report right on what the
   exporter writes, this file only times it.
2. The samples are written as OpenMetrics, one file per block of `promtool tsdb
   create-blocks-from openmetrics --max-block-duration=1458h` (promtool reads its input
   once per block: files cut on block boundaries are read once), each backfilled and
   deleted while the next is written.
3. A Prometheus serves the blocks (retention 100 years: the data is in the past). The
   report runs --runs times (JSON format, a prices file with the four contracts,
   --offpeak given, every section computed); the figures are the median run: its wall
   time as a command, the time from its first request to the store to the last answer,
   and the store's answer times summed (the report keeps four requests in flight).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.storage_prometheus import serving  # noqa: E402
from linky_exporter.simulator import SimulatedMeter, parse_url  # noqa: E402
from linky_exporter.simulator.clock import PARIS  # noqa: E402
from linky_exporter.simulator.transmitter import build_frame  # noqa: E402
from tests.support.report_history import coarse  # noqa: E402
from tests.support.scraped_meter import ScrapedMeter  # noqa: E402

URL = "simulated://standard?contract=tempo&seed=3&start={start}"
BLOCK_S = 1458 * 3600  # promtool's block for --max-block-duration=1458h (2 h x 3^6)
PRICES = """\
base:
  subscription_per_month: {6: 15.65, 9: 19.56}
  per_kwh: 0.2016
hc:
  subscription_per_month: {6: 15.99, 9: 20.21}
  per_kwh: {hc: 0.1635, hp: 0.2081}
tempo:
  subscription_per_month: {6: 15.50, 9: 19.49}
  per_kwh: {blue_hc: 0.1232, blue_hp: 0.1494, white_hc: 0.1391, white_hp: 0.1730, red_hc: 0.1460, red_hp: 0.6468}
ejp:
  subscription_per_month: {9: 19.56}
  per_kwh: {normal: 0.17, peak: 0.60}
"""
WANTED = ("linky_energy_imported_by_index_joules_total", "linky_energy_imported_joules_total",
          "linky_apparent_power_volt_amperes", "linky_apparent_power_max_volt_amperes", "linky_meter_info",
          "linky_tariff_index_info", "linky_reference_power_volt_amperes", "linky_cutoff_power_volt_amperes")


def series_of_the_exporter(meter: SimulatedMeter, at_s: float) -> list[str]:
    """``name{labels}`` of the series the report reads, as the exporter serves them for this meter."""
    scraped = ScrapedMeter("linky", target={"job": "linky", "instance": "linky-pi:9798"})
    for lead in (3.0, 1.5, 0.0):
        meter.advance_to(round((at_s - lead) * 1000))
        scraped.receive(build_frame(meter, meter.config.mode), at_s - lead)
    names = [line.rsplit(" ", 1)[0] for line in scraped.scrape(at_s + 0.5)]
    return [n for n in names if n.split("{", 1)[0] in WANTED and 'register="distributor"' not in n]


def getter(series: str):
    """How to read the value of ``series`` from the simulated meter."""
    name = series.split("{", 1)[0]
    if name == "linky_energy_imported_by_index_joules_total":
        index = int(series.split('index="', 1)[1].split('"', 1)[0])
        return lambda meter: meter.supplier_wh(index) * 3600.0
    if name == "linky_energy_imported_joules_total":
        return lambda meter: meter.total_wh() * 3600.0
    if name == "linky_apparent_power_volt_amperes":
        return lambda meter: float(meter.sample.import_va)
    if name == "linky_apparent_power_max_volt_amperes":
        if 'day="today"' in series:
            return lambda meter: float(meter.smax_today["import"].va)
        return lambda meter: float(meter.smax_yesterday["import"].va)
    if name in ("linky_reference_power_volt_amperes", "linky_cutoff_power_volt_amperes"):
        return lambda meter: float(meter.reference_va)
    return lambda meter: 1.0  # info series


def backfill(path: Path, data: Path, errors: list[str]) -> None:
    done = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet",
                           "--max-block-duration=1458h", str(path), str(data)], capture_output=True, text=True)
    if done.returncode != 0:
        errors.append(done.stderr[-2000:])
    path.unlink()


def write_year(work: Path, days: int, interval: int) -> tuple[int, int, int, int]:
    """Backfill ``days`` of one meter into work/data; (start, end, series, samples)."""
    end_day = datetime(2025, 12, 1, tzinfo=PARIS)
    first = end_day - timedelta(days=days, hours=1)
    meter = SimulatedMeter(coarse(parse_url(URL.format(start=first.strftime("%Y-%m-%dT%H:%M"))), 60))
    start_s = meter.start_ms // 1000
    names = series_of_the_exporter(meter, start_s + 10)
    getters = [(name, getter(name)) for name in names]
    end_s = int(end_day.timestamp()) + 6 * 3600  # "yesterday" of the last day is read the morning after
    data = work / "data"
    errors: list[str] = []
    workers: list[threading.Thread] = []
    samples = 0
    block = None
    out = None
    t = start_s + 60 - start_s % 60
    while t <= end_s:
        if t // BLOCK_S != block:
            if out is not None:
                out.write("# EOF\n")
                out.close()
                workers = [w for w in workers if w.is_alive()]
                for w in workers:
                    w.join()  # one promtool at a time, beside the writing
                workers.append(threading.Thread(target=backfill, args=(out_path, data, errors)))
                workers[-1].start()
            block = t // BLOCK_S
            out_path = work / f"block-{block}.om"
            out = out_path.open("w")
        meter.advance_to(t * 1000 - 1500)
        stamp = f" {t}.000\n"
        out.write("".join(f"{name} {get(meter)!r}{stamp}" for name, get in getters))
        samples += len(names)
        t += interval
    out.write("# EOF\n")
    out.close()
    for w in workers:
        w.join()
    backfill(out_path, data, errors)
    if errors:
        raise RuntimeError("promtool failed:\n" + "\n".join(errors))
    return int(end_day.timestamp()) - days * 86400, int(end_day.timestamp()), len(names), samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--interval", type=int, default=15, help="seconds between scrapes (default: 15)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the TSDB here (and reuse it if it is there)")
    args = parser.parse_args()
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install the Debian package prometheus", file=sys.stderr)
            return 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="linky-report-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"# {args.days} days of one meter, a sample every {args.interval} s; {platform.node()} {platform.machine()}, "
          f"python {platform.python_version()}, {version}")
    try:
        meta = work / "meta.json"
        if meta.exists():
            start, end, series, samples = json.loads(meta.read_text())
            print(f"#   reusing the TSDB of {work}")
        else:
            began = time.monotonic()
            start, end, series, samples = write_year(work, args.days, args.interval)
            meta.write_text(json.dumps([start, end, series, samples]))
            print(f"#   {series} series, {samples:,} samples written and backfilled in {time.monotonic() - began:.0f} s")
        prices = work / "prices.yml"
        prices.write_text(PRICES)
        day = lambda ts: datetime.fromtimestamp(ts, PARIS).strftime("%Y-%m-%d")  # noqa: E731
        runs = []
        with serving(work / "data") as port:
            for _ in range(args.runs + 1):  # the first run warms the store's caches up; not counted
                began = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "linky_exporter.cli", "report", "--prometheus.url", f"http://127.0.0.1:{port}",
                     "--from", day(start), "--to", day(end), "--prices", str(prices), "--offpeak", "22:00-06:00",
                     "--tempo.rte-url", "", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
                wall = time.monotonic() - began
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                [meter] = json.loads(done.stdout)["meters"]
                runs.append((wall, meter["store"]["fetch_seconds"], meter["store"]["answer_seconds"],
                             meter["store"]["queries"], meter["kwh"]))
        runs = runs[1:]
        wall, fetch, answers, queries, kwh = sorted(runs)[len(runs) // 2]
        print(f"| report of {args.days} days ({kwh:,.0f} kWh) | **{wall:.1f} s** | store: first request to last answer "
              f"{fetch:.1f} s, {queries} requests, answers summed {answers:.1f} s | runs: "
              + ", ".join(f"{r[0]:.1f}" for r in runs) + " s |")
        print(f"#   median of {len(runs)}; target: under 10 s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
