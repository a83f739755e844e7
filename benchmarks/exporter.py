"""Exporter figures for one meter read in real time: CPU share, RSS, /metrics latency, time to first metrics.

    python benchmarks/exporter.py [--source URL] [--seconds 60] [--scrapers 50]

Prints one line per figure with its target. The machine's speed matters for CPU
and latency: the figures are reported, not asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = "simulated://standard?phases=1&contract=tempo"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(source: str, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "linky_exporter.cli", "--tic.source", source, "--web.listen-address", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def time_to_first_metrics(source: str, *extra: str) -> float:
    port = free_port()
    started = time.monotonic()
    process = start(source, port, *extra)
    try:
        while time.monotonic() - started < 60:
            try:
                if 'linky_up{meter="linky"} 1.0' in scrape(port):
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.02)
        return float("nan")
    finally:
        process.terminate()
        process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


async def _one_scrape(port: int) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    await reader.read()
    writer.close()
    return time.perf_counter() - started


async def _scrapers(port: int, scrapers: int, seconds: float, interval: float) -> list[float]:
    """``scrapers`` clients, each scraping every ``interval`` seconds (0: back to back)."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client(offset: float) -> None:
        await asyncio.sleep(offset)
        while time.monotonic() < deadline:
            began = time.monotonic()
            latencies.append(await _one_scrape(port))
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.monotonic() - began)))

    await asyncio.gather(*(client(interval * i / scrapers if interval else 0) for i in range(scrapers)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--seconds", type=float, default=60.0, help="CPU measurement window")
    parser.add_argument("--scrapers", type=int, default=50)
    args = parser.parse_args()

    fixed_mode = "standard" if "standard" in args.source else "historique"
    print(f"source: {args.source}")
    print(f"time to first metrics, --tic.mode {fixed_mode}: {time_to_first_metrics(args.source, '--tic.mode', fixed_mode):.2f} s (target <= 3 s)")
    print(f"time to first metrics, auto-detection: {time_to_first_metrics(args.source):.2f} s (target <= 6 s)")

    port = free_port()
    process = start(args.source, port)
    try:
        while True:
            try:
                if 'linky_up{meter="linky"} 1.0' in scrape(port):
                    break
            except OSError:
                pass
            time.sleep(0.05)
        time.sleep(5)  # let imports and first frames settle
        cpu0, t0 = cpu_seconds(process.pid), time.monotonic()
        time.sleep(args.seconds)
        cpu = (cpu_seconds(process.pid) - cpu0) / (time.monotonic() - t0)
        rss, hwm = rss_mb(process.pid)
        print(f"CPU share of one core while reading (no scrapes), {args.seconds:.0f} s: {cpu:.3%} (target <= 0.2 %)")
        print(f"RSS: {rss:.1f} MB, peak {hwm:.1f} MB (target <= 40 MB)")
        paced = asyncio.run(_scrapers(port, args.scrapers, 20, 1.0))
        print(
            f"/metrics latency, {args.scrapers} scrapers each every 1 s ({len(paced)} scrapes): "
            f"p50 {percentile(paced, 0.5) * 1000:.2f} ms, p99 {percentile(paced, 0.99) * 1000:.2f} ms (target p99 <= 5 ms)"
        )
        flood = asyncio.run(_scrapers(port, args.scrapers, 10, 0.0))
        print(
            f"/metrics latency, {args.scrapers} scrapers back to back ({len(flood) / 10:.0f} scrapes/s): "
            f"p50 {percentile(flood, 0.5) * 1000:.2f} ms, p99 {percentile(flood, 0.99) * 1000:.2f} ms"
        )
        rss_after, _ = rss_mb(process.pid)
        print(f"RSS after the scrapes: {rss_after:.1f} MB")
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
