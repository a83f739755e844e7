"""Fuzzing the decoder and the state layer with random and mutated real input.

    python -m benchmarks.fuzz --inputs 1000000 [--seed 1]

Each input is random bytes or a window of real captures and simulated streams,
mutated (bit flips, dropped and inserted bytes, truncations, EOT, wrong
separators, stray CR/LF/STX/ETX), fed to a FrameDecoder in random chunks. The
promises checked on every input:

- no exception escapes the decoder or read_frame();
- the decoder's pending buffer never exceeds its bound;
- every group it yields is, byte for byte, in the input with a valid checksum;

and through a MeterState fed a long mutated stream whose indexes grow:

- no energy counter ever goes backwards, nor jumps more than the cut-off power
  allows between two scrapes.

"""

from __future__ import annotations

import argparse
import resource
import time

from tests.fuzzing import Report, fuzz_counters, fuzz_decoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
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
