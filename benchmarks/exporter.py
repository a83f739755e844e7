"""Exporter figures for one meter read in real time: CPU share, RSS, /metrics latency, time to first metrics.

    python -m benchmarks.exporter [--source URL] [--seconds 60] [--scrapers 50] [--starts 7]

The default source is the simulated meter in standard mode (9600 Bd, one frame
a second) running in a process of its own behind a pty, so that the CPU figure
is the exporter's alone, reading a pty as it reads a serial port. The time to
first metrics is the median of --starts starts in each mode, each exporter
started at a random (seeded) moment of the meter's frame, as a real start falls
anywhere in it: started right after the simulator, the exporter would open the
line at the same point of the same frame every time. Figures are printed with
their targets, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import time

from tests.support.processes import free_port
from tests.support.simulator_process import SimulatedPty

from .common import (
    FRAME_S,
    cpu_share,
    machine,
    percentile,
    rss_mb,
    run_scrapers,
    start_exporter,
    wait_until_up,
)

DEFAULT_SOURCE = "simulated://standard?phases=1&contract=tempo"


def line_for(source: str):
    """A pty fed by a simulator process for simulated:// sources; the source itself otherwise."""
    if source.startswith("simulated://"):
        return SimulatedPty(source)
    return contextlib.nullcontext(type("Line", (), {"path": source})())


_phases = random.Random(26)


def time_to_first_metrics(source: str, *extra: str) -> float:
    with line_for(source) as line:
        time.sleep(_phases.uniform(0.0, FRAME_S))
        port = free_port()
        process = start_exporter(port, "--tic.source", line.path, *extra)
        try:
            return wait_until_up(port)
        finally:
            process.terminate()
            process.wait()


def measure(source: str, seconds: float, scrapers: int, starts: int = 7) -> dict[str, float]:
    figures: dict[str, float] = {}
    mode = "standard" if "standard" in source else "historique"
    fixed, auto = [], []
    for _ in range(starts):  # alternately, so that the machine's moods weigh on both
        fixed.append(time_to_first_metrics(source, "--tic.mode", mode))
        auto.append(time_to_first_metrics(source))
    for name, times in (("first_fixed", fixed), ("first_auto", auto)):
        figures[f"{name}_s"] = statistics.median(times)
        figures[f"{name}_min_s"], figures[f"{name}_max_s"] = min(times), max(times)
    with line_for(source) as line:
        return _measure_running(line.path, seconds, scrapers, figures)


def _measure_running(path: str, seconds: float, scrapers: int, figures: dict[str, float]) -> dict[str, float]:
    port = free_port()
    process = start_exporter(port, "--tic.source", path)
    try:
        wait_until_up(port)
        time.sleep(5)  # let the first frames and imports settle
        figures["cpu_share"] = cpu_share(process.pid, seconds)
        figures["rss_mb"], figures["rss_peak_mb"] = rss_mb(process.pid)
        paced, errors = run_scrapers(port, scrapers, 20, 1.0)
        figures["p50_ms"], figures["p99_ms"] = percentile(paced, 0.5) * 1000, percentile(paced, 0.99) * 1000
        figures["paced_scrapes"], figures["paced_errors"] = len(paced), errors
        flood, errors = run_scrapers(port, scrapers, 10, 0.0)
        figures["flood_rate"] = len(flood) / 10
        figures["flood_p50_ms"], figures["flood_p99_ms"] = percentile(flood, 0.5) * 1000, percentile(flood, 0.99) * 1000
        figures["flood_errors"] = errors
        figures["rss_after_mb"], _ = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--seconds", type=float, default=60.0, help="CPU measurement window")
    parser.add_argument("--scrapers", type=int, default=50)
    parser.add_argument("--starts", type=int, default=7, help="starts in each mode for the time to first metrics")
    args = parser.parse_args()
    f = measure(args.source, args.seconds, args.scrapers, args.starts)
    print(f"machine: {machine()}; source: {args.source}")
    for name, what, target in (("first_fixed", "fixed mode", 3), ("first_auto", "auto-detection", 6)):
        print(f"time to first metrics, {what}: median {f[name + '_s']:.2f} s, {f[name + '_min_s']:.2f}-{f[name + '_max_s']:.2f} s "
              f"over {args.starts} starts (target <= {target} s)")
    print(f"CPU share of one core while reading, {args.seconds:.0f} s: {f['cpu_share']:.3%} (target <= 0.2 %)")
    print(f"RSS: {f['rss_mb']:.1f} MB, peak {f['rss_peak_mb']:.1f} MB (target <= 40 MB)")
    print(f"/metrics, {args.scrapers} scrapers each every 1 s ({f['paced_scrapes']:.0f} scrapes, {f['paced_errors']:.0f} errors): "
          f"p50 {f['p50_ms']:.2f} ms, p99 {f['p99_ms']:.2f} ms (target p99 <= 5 ms)")
    print(f"/metrics, {args.scrapers} scrapers back to back ({f['flood_rate']:.0f} scrapes/s, {f['flood_errors']:.0f} errors): "
          f"p50 {f['flood_p50_ms']:.2f} ms, p99 {f['flood_p99_ms']:.2f} ms")
    print(f"RSS after the scrapes: {f['rss_after_mb']:.1f} MB")


if __name__ == "__main__":
    main()
