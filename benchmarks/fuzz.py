"""Fuzzing the decoder and the state layer with random and mutated real input (long form).

    python -m benchmarks.fuzz --inputs 1000000 [--seed 1]

What is done and what is checked: tests/support/fuzzing.py, shared with the short form in tests/unit/.
"""

from __future__ import annotations

import argparse
import resource
import time

from tests.support import fuzzing
from tests.support.fuzzing import Report, fuzz_counters, fuzz_decoder


def main() -> None:
    parser = argparse.ArgumentParser(description=fuzzing.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--counter-frames", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    report = Report()
    started = time.monotonic()
    fuzz_decoder(args.inputs, args.seed, report)
    fuzz_counters(args.counter_frames, args.seed, report)
    elapsed = time.monotonic() - started
    print(f"inputs: {report.inputs:,} ({report.bytes / 1e6:.1f} MB) in {elapsed:.0f} s")
    print(f"valid frames: {report.frames_valid:,}; groups valid / bad checksum / malformed: "
          f"{report.groups_valid:,} / {report.groups_bad_checksum:,} / {report.groups_malformed:,}")
    print(f"readings: {report.readings:,}; values refused by the label table: {report.values_rejected:,}")
    print(f"energy counter checks: {report.counter_checks:,}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"broken promises: {len(report.failures)}")
    for failure in report.failures[:20]:
        print("  " + failure)
    raise SystemExit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
