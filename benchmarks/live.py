"""What the live page costs: memory per meter, /api/live latency under 50 browsers, page weight.

    python -m benchmarks.live [--seconds 30] [--clients 50]

- memory the 24-hour curve adds per meter (tracemalloc of 100 meters' histories, full);
- /api/live p50/p99 with ``--clients`` clients each refreshing once a second, and
  /metrics p50/p99 with one scraper a second meanwhile, against an exporter reading a
  simulated standard meter through a pty; the exporter's CPU share over the run, and
  the same run's /metrics figures and CPU with no browser for comparison;
- the page's weight (``/``, uncompressed) and the document's.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tracemalloc

from linky_exporter.meter.history import POINTS, STEP_S, PowerHistory
from tests.support.processes import free_port
from tests.support.simulator_process import SimulatedPty

from .common import _scrapers, cpu_seconds, machine, percentile, scrape, start_exporter, wait_until_up

SOURCE = "simulated://standard?phases=1&contract=tempo"


def history_bytes_per_meter(meters: int = 100) -> float:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    histories = [PowerHistory() for _ in range(meters)]
    for history in histories:
        for minute in range(POINTS):
            history.record(minute * STEP_S, 1000.0, None, 900.0)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / meters


async def _browsers_and_scraper(port: int, clients: int, seconds: float) -> tuple[tuple[list[float], int], tuple[list[float], int]]:
    live = _scrapers(port, clients, seconds, 1.0, "/api/live") if clients else asyncio.sleep(0, ([], 0))
    metrics = _scrapers(port, 1, seconds, 1.0, "/metrics")
    return await asyncio.gather(live, metrics)


def run(seconds: float, clients: int) -> dict[str, float]:
    figures: dict[str, float] = {"history_kb": history_bytes_per_meter() / 1024}
    with SimulatedPty(SOURCE) as line:
        port = free_port()
        process = start_exporter(port, "--tic.source", line.path)
        try:
            wait_until_up(port)
            time.sleep(3)
            figures["page_kb"] = len(scrape(port, "/").encode()) / 1024
            figures["json_kb"] = len(scrape(port, "/api/live").encode()) / 1024
            for label, count in (("quiet", 0), ("busy", clients)):
                cpu0, t0 = cpu_seconds(process.pid), time.monotonic()
                (live, live_errors), (metrics, metrics_errors) = asyncio.run(_browsers_and_scraper(port, count, seconds))
                figures[f"{label}_cpu"] = (cpu_seconds(process.pid) - cpu0) / (time.monotonic() - t0)
                figures[f"{label}_metrics_p50_ms"] = percentile(metrics, 0.5) * 1000
                figures[f"{label}_metrics_p99_ms"] = percentile(metrics, 0.99) * 1000
                figures[f"{label}_errors"] = live_errors + metrics_errors
                if count:
                    figures["live_requests"] = len(live)
                    figures["live_p50_ms"] = percentile(live, 0.5) * 1000
                    figures["live_p99_ms"] = percentile(live, 0.99) * 1000
        finally:
            process.terminate()
            process.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    f = run(args.seconds, args.clients)
    print(f"machine: {machine()}")
    print(f"24-hour curve, full: {f['history_kb']:.1f} KB per meter (goal <= 1 MB)")
    print(f"page /: {f['page_kb']:.1f} KB uncompressed (goal <= 50 KB); /api/live for one meter: {f['json_kb']:.1f} KB")
    print(f"/api/live, {args.clients} browsers each every 1 s ({f['live_requests']:.0f} requests): "
          f"p50 {f['live_p50_ms']:.2f} ms, p99 {f['live_p99_ms']:.2f} ms (goal p99 <= 5 ms)")
    print(f"/metrics once a second meanwhile: p50 {f['busy_metrics_p50_ms']:.2f} ms, p99 {f['busy_metrics_p99_ms']:.2f} ms; "
          f"without browsers: p50 {f['quiet_metrics_p50_ms']:.2f} ms, p99 {f['quiet_metrics_p99_ms']:.2f} ms")
    print(f"exporter CPU: {f['busy_cpu']:.2%} of a core with the browsers, {f['quiet_cpu']:.2%} without; "
          f"errors {f['busy_errors'] + f['quiet_errors']:.0f}")


if __name__ == "__main__":
    main()
