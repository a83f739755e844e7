"""Several meters in one process: CPU and RSS with N simulated meters read at line rate.

    python -m benchmarks.meters [--meters 16] [--seconds 60]
"""

from __future__ import annotations

import argparse
import time

from tests.support.processes import free_port

from .common import cpu_share, machine, rss_mb, start_exporter, wait_until_up

LAYOUTS = (
    "simulated://standard?contract=tempo",
    "simulated://standard?phases=3&producer=1&contract=hc",
    "simulated://historique?contract=hc",
    "simulated://historique?phases=3&contract=base",
)


def measure(meters: int, seconds: float) -> tuple[float, float, float]:
    sources = []
    for i in range(meters):
        sources += ["--tic.source", f"m{i:02d}={LAYOUTS[i % len(LAYOUTS)]}&seed={i}"]
    port = free_port()
    process = start_exporter(port, *sources)
    try:
        wait_until_up(port, meters)
        time.sleep(5)
        share = cpu_share(process.pid, seconds)
        rss, peak = rss_mb(process.pid)
        return share, rss, peak
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    share, rss, peak = measure(args.meters, args.seconds)
    print(f"machine: {machine()}")
    print(f"{args.meters} simulated meters (historique and standard, mono and three-phase) at line rate, {args.seconds:g} s:")
    print(f"CPU share of one core: {share:.2%}; RSS {rss:.1f} MB (peak {peak:.1f} MB)")


if __name__ == "__main__":
    main()
