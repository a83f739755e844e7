"""Shared by the benchmarks: the exporter as a process, /proc readings, scrapers, percentiles.

A free port, waiting and the simulated meter behind a pty are the tests' helpers
(tests/support/processes.py, tests/support/simulator_process.py): one copy of each.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: About a standard-mode frame's period (0.9 s on the wire, one every 1.1 s): the range of the
#: random delays that put a simulated meter's frames, or a start, at any point of the frame.
FRAME_S = 1.1


def start_exporter(port: int, *args: str, cwd: Path = ROOT) -> subprocess.Popen:
    """The exporter of the checkout ``cwd`` (another one: a baseline measured in the same run)."""
    return subprocess.Popen(
        [sys.executable, "-m", "linky_exporter.cli", *args, "--web.listen-address", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
    )


def scrape(port: int, path: str = "/metrics") -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read().decode()


def wait_until_up(port: int, meters: int = 1, timeout: float = 60.0) -> float:
    """Seconds until ``meters`` meters report linky_up 1."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if _up_count(scrape(port)) >= meters:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{meters} meter(s) not up after {timeout} s")


def _up_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.startswith("linky_up{") and line.endswith(" 1.0"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory in MB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_share(pid: int, seconds: float) -> float:
    """Share of one core the process used over the next ``seconds``."""
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)


async def _one_scrape(port: int, path: str = "/metrics") -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    await writer.drain()
    response = await reader.read()
    writer.close()
    if not response.startswith(b"HTTP/1.0 200"):
        raise OSError(response[:40])
    return time.perf_counter() - started


async def _scrapers(port: int, scrapers: int, seconds: float, interval: float, path: str = "/metrics") -> tuple[list[float], int]:
    """``scrapers`` clients each scraping every ``interval`` s (0: back to back). (latencies, errors)"""
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client(offset: float) -> None:
        nonlocal errors
        await asyncio.sleep(offset)
        while time.monotonic() < deadline:
            began = time.monotonic()
            try:
                latencies.append(await _one_scrape(port, path))
            except OSError:
                errors += 1
            if interval:
                await asyncio.sleep(max(0.0, interval - (time.monotonic() - began)))

    await asyncio.gather(*(client(interval * i / scrapers if interval else 0) for i in range(scrapers)))
    return latencies, errors


def run_scrapers(port: int, scrapers: int, seconds: float, interval: float, path: str = "/metrics") -> tuple[list[float], int]:
    return asyncio.run(_scrapers(port, scrapers, seconds, interval, path))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def machine() -> str:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores {model}, Python {platform.python_version()}"
