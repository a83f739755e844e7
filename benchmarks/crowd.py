"""A crowd from one address against the connection cap, and a scraper from another: is the scraper answered?

    python -m benchmarks.crowd --port PORT [--tls] [--slowloris N] [--guessers N] [--pipeliners N] --seconds S

runs the crowd alone, in a process of its own (one asyncio loop, so the crowd
takes one core at most, as one attacking machine would), from 127.0.0.1:

- slowloris: connects, sends half a request head, then one more header line
  a second, for ever; connects again at once when the server closes it;
- guessers: keep-alive connections sending a new wrong password in each
  request (a bcrypt check each), reading each answer; connect again when closed;
- pipeliners: send requests back to back and never read an answer.

:func:`scenario` (used by benchmarks/hostile.py) starts it against an exporter
and scrapes meanwhile from 127.0.0.2, each scrape on a new connection (as
Prometheus does when the server's idle timeout is shorter than its interval),
and reports how many scrapes were answered and how fast, and the exporter's RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import signal
import socket
import ssl
import subprocess
import sys
import time

from .common import ROOT, percentile, rss_mb

CROWD_ADDRESS = "127.0.0.1"
SCRAPER_ADDRESS = "127.0.0.2"
SCRAPE_EVERY_S = 0.2
SCRAPE_TIMEOUT_S = 10.0


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# --- the crowd's process --------------------------------------------------------


async def _connect(port: int, tls: bool):
    context = ssl._create_unverified_context() if tls else None
    return await asyncio.wait_for(
        asyncio.open_connection(CROWD_ADDRESS, port, ssl=context, local_addr=(CROWD_ADDRESS, 0)), 10
    )


#: Set when the crowd must stop: in Python 3.11 asyncio.wait_for can swallow a cancellation.
STOP = asyncio.Event()


async def _slowloris(port: int, tls: bool, stats: dict) -> None:
    while not STOP.is_set():
        writer = None
        try:
            reader, writer = await _connect(port, tls)
            stats["connects"] += 1
            writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            while not STOP.is_set():
                try:
                    if not await asyncio.wait_for(reader.read(1024), 1.0):
                        break  # closed by the server
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    await writer.drain()
        except (OSError, TimeoutError, ssl.SSLError, EOFError):
            pass
        finally:
            if writer is not None:
                writer.transport.abort()
        await asyncio.sleep(0)


async def _guesser(port: int, tls: bool, index: int, stats: dict) -> None:
    n = 0
    while not STOP.is_set():
        writer = None
        try:
            reader, writer = await _connect(port, tls)
            stats["connects"] += 1
            while not STOP.is_set():
                n += 1
                header = basic("prometheus", f"wrong-{index}-{n}")
                writer.write(f"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: {header}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                stats["answers"] += 1
                stats[head.split(b" ")[1].decode()] = stats.get(head.split(b" ")[1].decode(), 0) + 1
                if b"connection: close" in head.lower():
                    break
        except (OSError, TimeoutError, ssl.SSLError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            if writer is not None:
                writer.transport.abort()
        await asyncio.sleep(0)


async def _pipeliner(port: int, tls: bool, stats: dict) -> None:
    burst = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 64
    while not STOP.is_set():
        writer = None
        try:
            _, writer = await _connect(port, tls)
            stats["connects"] += 1
            while not STOP.is_set():
                writer.write(burst)
                await asyncio.wait_for(writer.drain(), 30)
        except (OSError, TimeoutError, ssl.SSLError, EOFError):
            pass
        finally:
            if writer is not None:
                writer.transport.abort()
        await asyncio.sleep(0)


async def _crowd(port: int, tls: bool, slowloris: int, guessers: int, pipeliners: int, seconds: float) -> dict:
    stats: dict = {"connects": 0, "answers": 0}
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, STOP.set)
    tasks = [asyncio.create_task(_slowloris(port, tls, stats)) for _ in range(slowloris)]
    tasks += [asyncio.create_task(_guesser(port, tls, i, stats)) for i in range(guessers)]
    tasks += [asyncio.create_task(_pipeliner(port, tls, stats)) for _ in range(pipeliners)]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(STOP.wait(), seconds)
    STOP.set()
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks, timeout=15)
    return stats


def crowd_main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--slowloris", type=int, default=0)
    parser.add_argument("--guessers", type=int, default=0)
    parser.add_argument("--pipeliners", type=int, default=0)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    stats = asyncio.run(_crowd(args.port, args.tls, args.slowloris, args.guessers, args.pipeliners, args.seconds))
    print(" ".join(f"{key}={value}" for key, value in sorted(stats.items())), flush=True)


# --- the scraper, in the benchmark's process ------------------------------------------


def scrape_from(address: str, port: int, context: ssl.SSLContext | None, headers: str = "",
                timeout: float = SCRAPE_TIMEOUT_S) -> tuple[int, float]:
    """One scrape on a new connection from ``address``: (status, seconds). Raises OSError or ValueError."""
    started = time.perf_counter()
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        raw.settimeout(timeout)
        raw.bind((address, 0))
        raw.connect(("127.0.0.1", port))
        sock = context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw
        sock.sendall(f"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
        if not lengths:
            raise ValueError(data[:40])
        length = int(lengths[0])
        while len(body) < length and (chunk := sock.recv(65536)):
            body += chunk
        if not data.startswith(b"HTTP/1.1 ") or len(body) != length:
            raise ValueError(data[:40])
        return int(data.split()[1]), time.perf_counter() - started
    finally:
        raw.close()


def scenario(port: int, pid: int, seconds: float, *, tls: bool = False, headers: str = "", slowloris: int = 0,
             guessers: int = 0, pipeliners: int = 0) -> dict[str, float]:
    """The crowd against the exporter on ``port`` for ``seconds`` while a scraper scrapes from another address."""
    context = ssl._create_unverified_context() if tls else None
    crowd = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.crowd", "--port", str(port), "--seconds", str(seconds + 3),
         "--slowloris", str(slowloris), "--guessers", str(guessers), "--pipeliners", str(pipeliners),
         *(["--tls"] if tls else [])],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        time.sleep(3)  # the crowd fills the table
        rss_start = rss_mb(pid)[0]
        latencies: list[float] = []
        failed = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            began = time.monotonic()
            try:
                status, elapsed = scrape_from(SCRAPER_ADDRESS, port, context, headers)
                if status == 200:
                    latencies.append(elapsed)
                else:
                    failed += 1
            except (OSError, ValueError):
                failed += 1
            time.sleep(max(0.0, SCRAPE_EVERY_S - (time.monotonic() - began)))
        rss_end, rss_peak = rss_mb(pid)
        try:
            crowd_out, _ = crowd.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            crowd_out = "(the crowd did not stop: killed)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            crowd.kill()
        crowd.wait()
    total = len(latencies) + failed
    return {
        "scrapes": total,
        "answered": len(latencies),
        "under_1s": sum(1 for value in latencies if value < 1.0),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "rss_start": rss_start,
        "rss_end": rss_end,
        "rss_peak": rss_peak,
        "crowd": crowd_out.strip(),
    }


if __name__ == "__main__":
    crowd_main()
