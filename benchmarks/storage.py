"""Prometheus disk use of one meter per year, at 5 s, 15 s and 60 s scrape intervals.

    python benchmarks/storage.py [--hours 24] [--keep DIR]

Method (what Prometheus would write, without waiting a day per interval):

1. The simulated meter runs for --hours of its own time at real pace (speed 1: a frame
   every ~1 s, as on a real line), generated without sleeping.
2. Each frame goes through the exporter's own code: decoder, MeterState (index
   guards, staleness) and LinkyCollector (plus the process collector, as the
   exporter serves it), with the exporter's clock set to the simulated time.
3. At every scrape instant (with 2 ms of jitter, as real scrapes have) the exposition
   is written as OpenMetrics with the scrape's timestamp and the job/instance labels,
   plus the five series Prometheus adds per target (up, scrape_duration_seconds, ...).
4. `promtool tsdb create-blocks-from openmetrics` writes real TSDB blocks (2 h, the
   size of Prometheus's head compaction), then a real Prometheus opened on them with a
   10-year retention compacts them into larger blocks, as it does over a year.
   Bytes per sample = size of the blocks / samples.

The recording rules of deploy/prometheus/rules are added as an estimate: their series
count for the meter times their evaluations per year (power group: at the scrape
interval, as prometheus.yml evaluates at the scrape interval; energy and cost: every
minute), at the bytes per sample measured for the raw data at the same interval.
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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prometheus_client import CollectorRegistry, ProcessCollector  # noqa: E402

from linky_exporter.collector import LinkyCollector  # noqa: E402
from linky_exporter.meter import MeterState, Prices  # noqa: E402
from linky_exporter.simulator import Transmitter, parse_url  # noqa: E402
from linky_exporter.tic.framing import FrameDecoder, FrameResult  # noqa: E402
from linky_exporter.tic.reading import read_frame  # noqa: E402

INTERVALS = (5, 15, 60)
PROFILES = {
    # name: (URL, prices as a householder would configure them)
    "mono Tempo": (
        "simulated://standard?contract=tempo&seed=1&start=2025-01-14T00:00",
        Prices({1: 0.1296, 2: 0.1609, 3: 0.1486, 4: 0.1894, 5: 0.1568, 6: 0.7562}, 0.5207),
    ),
    "tri producer": (
        "simulated://standard?phases=3&producer=1&contract=hc&seed=2&start=2025-06-14T00:00",
        Prices({1: 0.2068, 2: 0.2700}, 0.6211),
    ),
}
SECONDS_PER_YEAR = 365 * 86400


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(registry: CollectorRegistry, target: dict[str, str]) -> list[str]:
    lines = []
    for family in registry.collect():
        for sample in family.samples:
            labels = {**sample.labels, **target}
            text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{sample.name}{{{text}}} {sample.value!r}")
    return lines


def generate(url: str, prices: Prices, hours: float, outdir: Path) -> dict[int, tuple[int, int]]:
    """Write one OpenMetrics file per interval; return {interval: (samples, series)}."""
    transmitter = Transmitter(parse_url(url))
    start_s = transmitter.meter.start_ms / 1000
    state = MeterState("linky", 30.0, simulated=False, prices=prices)
    now = [start_s]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LinkyCollector([state], clock=lambda: now[0]))
    registry.register(ProcessCollector(registry=None))
    target = {"job": "linky", "instance": "linky-pi:9798"}
    files = {i: (outdir / f"{i}s.om").open("w") for i in INTERVALS}
    counts = {i: 0 for i in INTERVALS}
    series: dict[int, set[str]] = {i: set() for i in INTERVALS}
    jitter = random.Random(7)
    step = min(INTERVALS)
    end_s = start_s + hours * 3600
    next_scrape = start_s + step
    emission = transmitter.next_emission()
    state.record_connected(True)
    while next_scrape <= end_s:
        # frames fully received before the scrape
        while start_s + emission.end_us / 1e6 <= next_scrape:
            received = start_s + emission.end_us / 1e6
            frames = FrameDecoder().feed(emission.data)
            pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
            state.record_chunk(len(emission.data), pairs, received, now=received)
            emission = transmitter.next_emission()
        now[0] = next_scrape
        exposition = render(registry, target)
        elapsed = round(next_scrape - start_s)
        for interval in INTERVALS:
            if elapsed % interval:
                continue
            ts = next_scrape + jitter.uniform(-0.002, 0.002)
            scraped = len(exposition)
            synthetic = [
                'up{instance="linky-pi:9798",job="linky"} 1.0',
                f'scrape_duration_seconds{{instance="linky-pi:9798",job="linky"}} {jitter.uniform(0.002, 0.006)!r}',
                f'scrape_samples_scraped{{instance="linky-pi:9798",job="linky"}} {float(scraped)!r}',
                f'scrape_samples_post_metric_relabeling{{instance="linky-pi:9798",job="linky"}} {float(scraped)!r}',
                'scrape_series_added{instance="linky-pi:9798",job="linky"} 0.0',
            ]
            out = files[interval]
            for line in exposition + synthetic:
                out.write(f"{line} {ts:.3f}\n")
                series[interval].add(line.rsplit(" ", 1)[0])
            counts[interval] += len(exposition) + len(synthetic)
        next_scrape += step
    for out in files.values():
        out.write("# EOF\n")
        out.close()
    return {i: (counts[i], len(series[i])) for i in INTERVALS}


def blocks_size(data: Path) -> tuple[int, int]:
    """(bytes of every block, number of blocks) in a TSDB directory (WAL excluded)."""
    total, blocks = 0, 0
    for meta in data.glob("*/meta.json"):
        blocks += 1
        total += sum(f.stat().st_size for f in meta.parent.rglob("*") if f.is_file())
    return total, blocks


def compact(data: Path, timeout: float = 300) -> None:
    """Let a real Prometheus compact the 2 h blocks as it does over time (2 h -> 6 h -> 18 h...)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = data.parent / f"{data.name}.yml"
    config.write_text("global: {}\n")
    process = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
         "--storage.tsdb.retention.time=10y", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # The compactor runs a minute after start and compacts all it can in one go;
        # then the block list stops changing.
        deadline = time.monotonic() + timeout
        stable_since, last = None, None
        while time.monotonic() < deadline:
            time.sleep(1)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                    text = r.read().decode()
            except OSError:
                continue
            triggered = [float(line.split()[1]) for line in text.splitlines()
                         if line.startswith("prometheus_tsdb_compactions_triggered_total ")]
            state = (blocks_size(data)[1], any(data.glob("*.tmp*")))
            if triggered and triggered[0] >= 1 and state == last and not state[1]:
                stable_since = stable_since or time.monotonic()
                if time.monotonic() - stable_since > 10:
                    return
            else:
                stable_since, last = None, state
    finally:
        process.terminate()
        process.wait(timeout=30)


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
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install the Debian package prometheus", file=sys.stderr)
            return 1
    work = args.keep or Path(tempfile.mkdtemp(prefix="linky-storage-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {args.hours:g} simulated hours per profile; {platform.node()} {platform.machine()}, "
          f"python {platform.python_version()}, {subprocess.run(['prometheus', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}")
    results = []
    runs = []
    for name, (url, prices) in PROFILES.items():
        outdir = work / name.replace(" ", "-")
        outdir.mkdir(exist_ok=True)
        started = time.monotonic()
        counts = generate(url, prices, args.hours, outdir)
        print(f"#   {name}: generated in {time.monotonic() - started:.0f} s", flush=True)
        for interval in INTERVALS:
            data = outdir / f"data-{interval}s"
            shutil.rmtree(data, ignore_errors=True)
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet",
                            str(outdir / f"{interval}s.om"), str(data)], check=True)
            (outdir / f"{interval}s.om").unlink()
            runs.append((name, url, prices, interval, counts[interval], data, blocks_size(data)[0]))
    with ThreadPoolExecutor(len(runs)) as pool:
        list(pool.map(lambda run: compact(run[5]), runs))
    print("| meter | interval | series | samples/day | bytes/sample (2 h blocks) | bytes/sample (compacted) | raw MB/year | rules MB/year | total MB/year |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, url, prices, interval, (samples, series), data, two_hour in runs:
        compacted, blocks = blocks_size(data)
        per_sample = compacted / samples
        raw_year = per_sample * series * SECONDS_PER_YEAR / interval
        power, energy = recorded_series(series, url, prices)
        rules_samples = power * SECONDS_PER_YEAR / interval + energy * SECONDS_PER_YEAR / 60
        rules_year = rules_samples * per_sample
        results.append((name, interval, series, samples, two_hour / samples, per_sample, raw_year, rules_year, blocks))
        print(f"| {name} | {interval} s | {series} (+{power + energy} recorded) | {samples * 24 / args.hours:,.0f} | "
              f"{two_hour / samples:.2f} | {per_sample:.2f} | {raw_year / 1e6:,.0f} | {rules_year / 1e6:,.0f} | "
              f"{(raw_year + rules_year) / 1e6:,.0f} |", flush=True)
    (work / "results.json").write_text(json.dumps(results, indent=1))
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
