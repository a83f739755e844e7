"""Load and soak: scrapes at a fixed rate while the exporter reads at line rate.

    python -m benchmarks.load [--rate 200] [--seconds 60]       # the load test
    python -m benchmarks.load --soak 3600 [--rate 1]              # the 1-hour soak

Prints latency percentiles, errors, and RSS and open file descriptors sampled
along the way, so growth is visible. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from tests.support.processes import free_port

from .common import _one_scrape, machine, open_fds, percentile, rss_mb, start_exporter, wait_until_up

SOURCE = "simulated://standard?phases=3&producer=1&contract=tempo"


async def _open_loop(port: int, rate: float, seconds: float, sample, every: float) -> tuple[list[float], int]:
    """Start a scrape every 1/rate s whatever the previous ones do (Prometheus does not wait)."""
    latencies: list[float] = []
    errors = 0
    tasks = set()
    started = time.monotonic()
    next_sample = started
    n = 0

    async def one() -> None:
        nonlocal errors
        try:
            latencies.append(await _one_scrape(port))
        except OSError:
            errors += 1

    while (now := time.monotonic()) - started < seconds:
        if now >= next_sample:
            sample(now - started)
            next_sample += every
        task = asyncio.create_task(one())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    sample(time.monotonic() - started)
    return latencies, errors


def run(rate: float, seconds: float, every: float) -> None:
    port = free_port()
    process = start_exporter(port, "--tic.source", f"linky={SOURCE}")
    try:
        wait_until_up(port)
        rows = []

        def sample(elapsed: float) -> None:
            rss, _ = rss_mb(process.pid)
            rows.append((elapsed, rss, open_fds(process.pid)))

        latencies, errors = asyncio.run(_open_loop(port, rate, seconds, sample, every))
        print(f"machine: {machine()}")
        print(f"{rate:g} scrapes/s for {seconds:g} s while reading a simulated three-phase producer meter at 9600 Bd")
        print(f"scrapes: {len(latencies)}, errors: {errors}; latency p50 {percentile(latencies, 0.5) * 1000:.2f} ms, "
              f"p99 {percentile(latencies, 0.99) * 1000:.2f} ms, max {max(latencies, default=0) * 1000:.1f} ms")
        print("elapsed s   RSS MB   open fds")
        for elapsed, rss, fds in rows:
            print(f"{elapsed:9.0f} {rss:8.1f} {fds:10d}")
        print(f"RSS growth: {rows[-1][1] - rows[0][1]:+.1f} MB; open fds: {rows[0][2]} -> {rows[-1][2]}")
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--soak", type=float, help="soak for this many seconds (default rate 1/s, sampled every minute)")
    args = parser.parse_args()
    if args.soak:
        run(args.rate if args.rate != 200.0 else 1.0, args.soak, 60.0)
    else:
        run(args.rate, args.seconds, 10.0)


if __name__ == "__main__":
    main()
