"""Cost as meters grow: one exporter process reading N simulated meters over TCP.

    python -m benchmarks.scaling [--meters 1,16,64,256] [--seconds 60] [--interval 1] [--rounds 1] [--baseline DIR]
                                 [--in-step] [--new-connection]

For each count, benchmarks/tcp_meters.py serves N ports in one process of its
own (the standard layouts at 9600 Bd, line pace), the exporter reads them as
``socket://`` sources in standard mode, and after a 10 s settling (scraped at
the interval already, as Prometheus would) one client scrapes /metrics every
--interval seconds (OpenMetrics, as Prometheus asks) for the window, on one
connection kept alive as Prometheus does (``--new-connection``: one a scrape).
The simulated meters' frames end at their own phases, as real meters' do
(``--in-step``: together, the worst case; tcp_meters.py says why).
Printed per count: the exporter's CPU share of one core over the window
(scrapes included; the scheduler's nanosecond count of its threads), RSS, threads, the scrape's p50/p99/max, and the CPU split by
thread from /proc (threads sorted by id: the main one, then the readers' one
(the N readers' own before the shared reading loop), which start first, then the
HTTP server's), so that the growth is seen. The marginal
cost per meter is the slope between the smallest and the largest count.
With --rounds R the counts are measured R times, alternating, and each figure is
printed as its range. With --baseline DIR (another checkout, e.g. ``git worktree
add /tmp/base main``) the exporter of DIR is measured too, before this one at
each count of each round, and the table gives both and their ratio: the machine's
load then weighs on both alike.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.processes import free_port, stop

from .common import CLOCK_TICKS, ROOT, machine, percentile, rss_mb, start_exporter, wait_until_up

SETTLE_S = 10.0
OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each thread of ``pid``, by thread id: the scheduler's nanosecond
    count (/proc/.../schedstat) where the kernel has it, else /proc's 10 ms ticks (one
    meter for 60 s is some 10 ticks: too coarse to compare two versions)."""
    out = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            out[int(task)] = int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            try:
                fields = Path(f"/proc/{pid}/task/{task}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(task)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return out


def threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


class Scraper:
    """GET /metrics as Prometheus does: one connection kept from scrape to scrape (a new
    one if the exporter closed it), or with ``new_connection`` one per scrape, as a
    client without keep-alive; the time of a scrape includes its connect."""

    def __init__(self, port: int, new_connection: bool = False):
        self.port, self.new_connection = port, new_connection
        self._connection = None

    def __call__(self, retry: bool = True) -> float:
        import http.client

        started = time.perf_counter()
        if self._connection is None:
            self._connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self._connection.request("GET", "/metrics", headers={"Accept": OPENMETRICS})
            response = self._connection.getresponse()
            body = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()  # closed by the exporter between two scrapes (its idle timeout): once more, anew
            if not retry:
                raise
            return self(retry=False)
        if self.new_connection or response.will_close:
            self.close()
        if response.status != 200 or not body:
            raise OSError(f"status {response.status}")
        return time.perf_counter() - started

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def measure(
    meters: int, seconds: float, interval: float = 1.0, cwd: Path = ROOT, *, in_step: bool = False, new_connection: bool = False
) -> dict[str, float]:
    feeder = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.tcp_meters", str(meters), *(["--in-step"] if in_step else [])],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        ports = feeder.stdout.readline().split()
        if len(ports) != meters:
            raise SystemExit(f"the feeder printed {ports!r}")
        sources = []
        for i, tcp in enumerate(ports):
            sources += ["--tic.source", f"m{i:03d}=socket://127.0.0.1:{tcp}"]
        port = free_port()
        exporter = start_exporter(port, "--tic.mode", "standard", *sources, cwd=cwd)
        try:
            try:
                wait_until_up(port, meters, timeout=120)
            except TimeoutError as error:
                code = exporter.poll()  # a port taken by another process between free_port() and the bind: it exits
                raise SystemExit(f"{error}; the exporter {'still runs' if code is None else f'exited with {code}'}") from None
            # Settle as Prometheus would leave it: scraped at the interval. A 10 s pause
            # before the window made its first two scrapes render every meter (the
            # meters are rendered as their frames come only once scrapes come often):
            # 2 of 40 scrapes at 64 meters (17.5 and 17.9 ms in a timed run), the p99.
            scrape_once = Scraper(port, new_connection)
            settled = time.monotonic() + SETTLE_S
            while time.monotonic() < settled:
                began = time.monotonic()
                scrape_once()
                time.sleep(max(0.0, min(began + interval, settled) - time.monotonic()))
            pid = exporter.pid
            before, t0 = thread_cpu(pid), time.monotonic()
            latencies = []
            deadline = t0 + seconds
            while time.monotonic() < deadline:
                began = time.monotonic()
                latencies.append(scrape_once())
                time.sleep(max(0.0, interval - (time.monotonic() - began)))
            elapsed = time.monotonic() - t0
            after = thread_cpu(pid)
            rss, _ = rss_mb(pid)
            count = threads(pid)
            scrape_once.close()
        finally:
            stop(exporter)
    finally:
        stop(feeder)
    ids = sorted(after)
    spent = {tid: after[tid] - before.get(tid, 0.0) for tid in ids}
    # The threads alive at the end: the reading loop and the HTTP side run throughout;
    # only the short-lived threads that open or close a line would be missed.
    cpu = sum(spent.values())
    # The readers start before the HTTP server: one thread for all of them since the shared
    # reading loop, one each before it (a --baseline checkout may be either).
    reader_threads = 1 if (cwd / "linky_exporter" / "meter" / "reading_loop.py").exists() else meters
    readers = sum(spent[tid] for tid in ids[1 : 1 + reader_threads])
    return {
        "cpu": cpu / elapsed,
        "readers": readers / elapsed,
        "others": (cpu - readers) / elapsed,
        "rss": rss,
        "threads": count,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": max(latencies) * 1000,
        "scrapes": len(latencies),
    }


def span(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if format(low, fmt) == format(high, fmt) else f"{format(low, fmt)}–{format(high, fmt)}"


def table(title: str, counts: list[int], results: dict[int, list[dict[str, float]]]) -> None:
    print(title)
    print(f"{'meters':>6s}  {'CPU % core':>11s}  {'readers %':>11s}  {'others %':>11s}  {'RSS MB':>11s}  {'threads':>7s}  "
          f"{'p50 ms':>11s}  {'p99 ms':>11s}  {'max ms':>11s}")
    for n in counts:
        rows = results[n]
        print(f"{n:6d}  {span([r['cpu'] * 100 for r in rows], '.3f'):>11s}  {span([r['readers'] * 100 for r in rows], '.3f'):>11s}  "
              f"{span([r['others'] * 100 for r in rows], '.3f'):>11s}  {span([r['rss'] for r in rows], '.1f'):>11s}  "
              f"{span([r['threads'] for r in rows], '.0f'):>7s}  {span([r['p50'] for r in rows], '.2f'):>11s}  "
              f"{span([r['p99'] for r in rows], '.1f'):>11s}  {span([r['max'] for r in rows], '.1f'):>11s}")
    if len(counts) > 1:
        low, high = counts[0], counts[-1]
        mean = lambda n, key: sum(r[key] for r in results[n]) / len(results[n])  # noqa: E731
        slope = (mean(high, "cpu") - mean(low, "cpu")) / (high - low)
        print(f"marginal per meter ({low} to {high}): CPU {slope * 100:.3f} % of a core, "
              f"RSS {(mean(high, 'rss') - mean(low, 'rss')) / (high - low):.3f} MB; "
              f"one core of this machine would serve about {int(1 / slope) if slope > 0 else 0} meters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", default="1,16,64,256")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between two scrapes")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="another checkout, measured alternately with this one")
    parser.add_argument("--in-step", action="store_true", help="the simulated meters' frames end together (tcp_meters --in-step)")
    parser.add_argument("--new-connection", action="store_true", help="a connection per scrape instead of one kept alive")
    args = parser.parse_args()
    counts = [int(n) for n in args.meters.split(",")]
    trees = {"this checkout": ROOT} if args.baseline is None else {"baseline": args.baseline.resolve(), "this checkout": ROOT}
    results = {tree: {n: [] for n in counts} for tree in trees}
    for _ in range(args.rounds):
        for n in counts:
            for tree, cwd in trees.items():
                results[tree][n].append(
                    measure(n, args.seconds, args.interval, cwd, in_step=args.in_step, new_connection=args.new_connection)
                )
                print(f"  {tree}, {n} meters: {results[tree][n][-1]}", file=sys.stderr, flush=True)
    print(f"machine: {machine()}; {args.seconds:g} s a count, a scrape every {args.interval:g} s, {args.rounds} round(s); "
          f"frames {'in step' if args.in_step else 'at their own phases'}, "
          f"{'a connection per scrape' if args.new_connection else 'one connection kept alive'}")
    for tree, cwd in trees.items():
        table(f"{tree} ({cwd}):", counts, results[tree])
    if args.baseline is not None:
        print("ratios, this checkout / baseline, per round (CPU, p99):")
        for n in counts:
            pairs = zip(results["this checkout"][n], results["baseline"][n])
            print(f"{n:6d}  " + "  ".join(f"{new['cpu'] / old['cpu']:.2f}, {new['p99'] / old['p99']:.3f}" for new, old in pairs))


if __name__ == "__main__":
    main()
