"""Disk use of one meter per year in Prometheus and VictoriaMetrics, at 5 s, 15 s and 60 s, rules included.

    python benchmarks/storage.py [--hours 24] [--keep DIR]

Method (what Prometheus would write, without waiting a day per interval):

1. The simulated meter runs for --hours of its own time at real pace (speed 1: a frame
   every ~1 s, as on a real line), generated without sleeping.
2. Each frame goes through the exporter's own code: decoder, MeterState (index
   guards, staleness) and LinkyCollector (plus the process collector, as the
   exporter serves it), with the exporter's clock set to the simulated time.
3. At every scrape instant (with up to 2 ms of jitter, as real scrapes have; this
   2-core VM showed up to 3 ms) the exposition is written as OpenMetrics with the
   scrape's timestamp and the job/instance labels, plus the five series Prometheus
   adds per target (up, scrape_duration_seconds, ...). The timestamp is the one
   Prometheus writes: it replaces a scrape time less than the tolerance away from the
   previous one plus the interval by exactly that (scrape.go, on by default), which
   makes regular timestamps cost almost nothing. Two tolerances: the default 2 ms, and
   10 ms (`--scrape.timestamp-tolerance=10ms`, which docs/prometheus.md recommends).
4. Prometheus: `promtool tsdb create-blocks-from openmetrics` writes real TSDB blocks;
   a year is their chunks' bytes per sample times a year of samples, plus an index per
   kept block (benchmarks/storage_prometheus.py says why).
5. The recording rules of deploy/prometheus/rules: `promtool tsdb create-blocks-from
   rules` evaluates them on a real Prometheus serving those blocks (power group at the
   scrape interval, as prometheus.yml evaluates at the scrape interval; energy and cost
   every minute): that gives their bytes per sample. A simulated day has no day-old
   data, so the daily series are missing from those blocks; the rules' yearly size is
   their full series count for the meter times their evaluations per year, at that
   measured bytes per sample.
6. VictoriaMetrics: the same day, with the scrape times as scraped (vmagent does not
   align them), and the recorded series of 5., imported into a real single node; sizes
   on disk after a forced flush and merge
   (benchmarks/storage_victoriametrics.py says how a year is counted).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prometheus_client import ProcessCollector  # noqa: E402

from benchmarks import storage_prometheus, storage_victoriametrics  # noqa: E402
from linky_exporter.config.settings import Prices  # noqa: E402
from linky_exporter.simulator import Transmitter, parse_url  # noqa: E402
from tests.support.scraped_meter import ScrapedMeter  # noqa: E402

INTERVALS = (5, 15, 60)
# Scrape timestamp tolerance of Prometheus: its default, and the one docs/prometheus.md recommends.
TOLERANCES = (0.002, 0.010)
# vmagent writes scrape times as they are: VictoriaMetrics gets the unaligned ones.
UNALIGNED = 0.0
PROFILES = {
    # name: (URL, prices as a householder would configure them)
    "mono Tempo": (
        "simulated://standard?contract=tempo&seed=1&start=2025-01-14T00:00",
        Prices(per_kwh={1: 0.1296, 2: 0.1609, 3: 0.1486, 4: 0.1894, 5: 0.1568, 6: 0.7562}, subscription_per_day=0.5207),
    ),
    "tri producer": (
        "simulated://standard?phases=3&producer=1&contract=hc&seed=2&start=2025-06-14T00:00",
        Prices(per_kwh={1: 0.2068, 2: 0.2700}, subscription_per_day=0.6211),
    ),
}
SECONDS_PER_YEAR = 365 * 86400


def aligned(last: float | None, interval: int, scraped_at: float, tolerance: float) -> float:
    """The timestamp Prometheus writes for a scrape (scrape.go: ScrapeTimestampTolerance)."""
    if last is not None and abs(scraped_at - (last + interval)) < tolerance:
        return last + interval
    return scraped_at


def generate(url: str, prices: Prices, hours: float, outdir: Path) -> dict[int, tuple[int, int]]:
    """Write one OpenMetrics file per interval and tolerance (``run_name``); return {interval: (samples, series)}."""
    transmitter = Transmitter(parse_url(url))
    start_s = transmitter.meter.start_ms / 1000
    target = {"job": "linky", "instance": "linky-pi:9798"}
    meter = ScrapedMeter("linky", target=target, prices={"linky": prices}, collectors=[ProcessCollector(registry=None)])
    runs = [(i, t) for i in INTERVALS for t in (*TOLERANCES, UNALIGNED)]
    files = {run: (outdir / f"{run_name(*run)}.om").open("w") for run in runs}
    last_ts: dict[tuple[int, float], float] = {}
    counts = {i: 0 for i in INTERVALS}
    series: dict[int, set[str]] = {i: set() for i in INTERVALS}
    jitter = random.Random(7)
    step = min(INTERVALS)
    end_s = start_s + hours * 3600
    next_scrape = start_s + step
    emission = transmitter.next_emission()
    while next_scrape <= end_s:
        # frames fully received before the scrape
        while start_s + emission.end_us / 1e6 <= next_scrape:
            meter.receive(emission.data, start_s + emission.end_us / 1e6)
            emission = transmitter.next_emission()
        exposition = meter.scrape(next_scrape)
        elapsed = round(next_scrape - start_s)
        for interval in INTERVALS:
            if elapsed % interval:
                continue
            scraped_at = next_scrape + jitter.uniform(-0.002, 0.002)
            scraped = len(exposition)
            synthetic = [
                'up{instance="linky-pi:9798",job="linky"} 1.0',
                f'scrape_duration_seconds{{instance="linky-pi:9798",job="linky"}} {jitter.uniform(0.002, 0.006)!r}',
                f'scrape_samples_scraped{{instance="linky-pi:9798",job="linky"}} {float(scraped)!r}',
                f'scrape_samples_post_metric_relabeling{{instance="linky-pi:9798",job="linky"}} {float(scraped)!r}',
                'scrape_series_added{instance="linky-pi:9798",job="linky"} 0.0',
            ]
            for tolerance in (*TOLERANCES, UNALIGNED):
                run = (interval, tolerance)
                ts = last_ts[run] = aligned(last_ts.get(run), interval, scraped_at, tolerance)
                out = files[run]
                for line in exposition + synthetic:
                    out.write(f"{line} {ts:.3f}\n")
            series[interval].update(line.rsplit(" ", 1)[0] for line in exposition + synthetic)
            counts[interval] += len(exposition) + len(synthetic)
        next_scrape += step
    for out in files.values():
        out.write("# EOF\n")
        out.close()
    return {i: (counts[i], len(series[i])) for i in INTERVALS}


def run_name(interval: int, tolerance: float) -> str:
    return f"{interval}s-{tolerance * 1000:g}ms"


def recorded_series(samples_series: int, url: str, prices: Prices) -> tuple[int, int]:
    """(power-group series, energy-group series) of rules/linky-recording.yml for this meter."""
    config = parse_url(url)
    indexes = 10 + 4  # EASF01-10 and EASD01-04 (standard mode sends them all)
    producer = 1 if config.producer else 0
    power = 1 + indexes + producer
    energy = 2 * indexes + 2 + 2 * producer  # increase1h/1d per index, total, exported
    energy += 2 * len(prices.per_kwh) + 2  # cost per priced index, energy cost per meter
    energy += 2 * (prices.subscription_per_day is not None) + 2  # subscription, total cost
    return power, energy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--keep", type=Path, help="keep the generated files and blocks here")
    args = parser.parse_args()
    for tool, package in (("prometheus", "prometheus"), ("promtool", "prometheus"),
                          ("victoria-metrics", "victoria-metrics")):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install the Debian package {package}", file=sys.stderr)
            return 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="linky-storage-"))
    try:
        return measure_all(args, work)
    finally:
        if not args.keep:  # removed on failure too; --keep leaves everything for a look
            shutil.rmtree(work, ignore_errors=True)


def measure_all(args: argparse.Namespace, work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"# {args.hours:g} simulated hours per profile; {platform.node()} {platform.machine()}, "
          f"python {platform.python_version()}, {version}")
    jobs = []
    for name, (url, prices) in PROFILES.items():
        outdir = work / name.replace(" ", "-")
        outdir.mkdir(exist_ok=True)
        started = time.monotonic()
        counts = generate(url, prices, args.hours, outdir)
        print(f"#   {name}: generated in {time.monotonic() - started:.0f} s", flush=True)
        jobs += [(name, url, prices, interval, counts[interval], outdir) for interval in INTERVALS]

    def measure(job: tuple) -> dict:
        name, url, prices, interval, (samples, series), outdir = job
        year = series * SECONDS_PER_YEAR / interval
        power, energy = recorded_series(series, url, prices)
        row = {"meter": name, "interval": interval, "series": series, "recorded": power + energy,
               "samples_per_day": samples * 24 / args.hours}
        raw = {}
        for tolerance in TOLERANCES:
            om = outdir / f"{run_name(interval, tolerance)}.om"
            raw[tolerance] = storage_prometheus.write_blocks(om, outdir / f"prometheus-{run_name(interval, tolerance)}")
            row[f"bytes_per_sample_{tolerance}"] = raw[tolerance].bytes_per_sample
            row[f"raw_year_{tolerance}"] = raw[tolerance].year_bytes(year)
        rules = storage_prometheus.recorded_blocks(outdir / f"prometheus-{run_name(interval, TOLERANCES[0])}", interval)
        rules_year = power * SECONDS_PER_YEAR / interval + energy * SECONDS_PER_YEAR / 60
        row["rules_bytes_per_sample"] = rules.bytes_per_sample
        row["rules_year"] = rules.year_bytes(rules_year)
        rule_lines = storage_prometheus.samples_of(outdir / f"prometheus-{run_name(interval, TOLERANCES[0])}-rules")
        vm = storage_victoriametrics.measure(outdir / f"{run_name(interval, UNALIGNED)}.om", rule_lines,
                                             outdir / f"victoriametrics-{interval}s", args.hours)
        row["vm_bytes_per_sample"] = vm.data_bytes / vm.samples
        row["vm_rules_bytes_per_sample"] = vm.rule_data_bytes / vm.rule_samples
        row["vm_year"] = vm.year_bytes(year, rules_year)
        row["vm_samples_check"] = (vm.samples, samples)
        return row

    with ThreadPoolExecutor(2) as pool:
        rows = list(pool.map(measure, jobs))
    low, high = TOLERANCES
    print(f"| meter | interval | series (+ recorded) | samples/day | bytes/sample, tolerance {low * 1000:g} ms "
          f"| {high * 1000:g} ms | rules bytes/sample | rules MB/year | **Prometheus MB/year**, tolerance "
          f"{low * 1000:g} ms | {high * 1000:g} ms | VictoriaMetrics bytes/sample (rules) | **VictoriaMetrics MB/year** |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['meter']} | {r['interval']} s | {r['series']} (+{r['recorded']}) | {r['samples_per_day']:,.0f} "
              f"| {r[f'bytes_per_sample_{low}']:.2f} | {r[f'bytes_per_sample_{high}']:.2f} "
              f"| {r['rules_bytes_per_sample']:.2f} | {r['rules_year'] / 1e6:,.0f} "
              f"| **{(r[f'raw_year_{low}'] + r['rules_year']) / 1e6:,.0f}** "
              f"| **{(r[f'raw_year_{high}'] + r['rules_year']) / 1e6:,.0f}** "
              f"| {r['vm_bytes_per_sample']:.2f} ({r['vm_rules_bytes_per_sample']:.2f}) "
              f"| **{r['vm_year'] / 1e6:,.0f}** |", flush=True)
    (work / "results.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
