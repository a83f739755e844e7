"""How many corrupted values reach /metrics when 2 % of groups are corrupted? (long form)

    python -m benchmarks.corruption [--frames 20000] [--rate 0.02] [--seed 1]

What is done and what is checked: tests/support/corruption_run.py, shared with the short form in tests/unit/.
"""

from __future__ import annotations

import argparse
import time

from tests.support import corruption_run
from tests.support.corruption_run import LAYOUTS, run


def main() -> None:
    parser = argparse.ArgumentParser(description=corruption_run.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20_000, help="frames per layout")
    parser.add_argument("--rate", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'layout':55s} {'frames':>7s} {'groups':>8s} {'corrupted':>9s} {'passed chk':>10s} "
          f"{'lost':>5s} {'bad counters':>12s} {'bad gauges':>10s}")
    total_counters = 0
    for layout in LAYOUTS:
        started = time.monotonic()
        o = run(layout, args.frames, args.rate, args.seed)
        total_counters += len(o.bad_counter_values)
        print(f"{layout:55s} {o.frames:7d} {o.groups:8d} {o.groups_corrupted:9d} {o.corrupted_passing_checksum:10d} "
              f"{o.frames_valid_lost:5d} {len(o.bad_counter_values):12d} {len(o.bad_gauge_values):10d}"
              f"   ({time.monotonic() - started:.0f} s)")
        for key, value in sorted(o.bad_gauge_values)[:5]:
            print(f"    gauge value never sent by the meter: {key} = {value}")
    raise SystemExit(1 if total_counters else 0)


if __name__ == "__main__":
    main()
