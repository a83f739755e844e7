"""CPU of ``linky-exporter decode`` on a 10,000-frame capture, against a minimal strict parser.

    python -m benchmarks.decode_command [--frames 10000] [--repeat 5]

Both run as processes on the same captures (written by the simulated meter), and
must print the same JSON lines; the figure is the CPU (user + sys) of the best
of --repeat runs after one to warm up, output to /dev/null. The ratio is what the machine's speed
does not change. "start-up" is each command on an empty file: the interpreter
and the imports. The yardstick is benchmarks/minimal_decode.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from linky_exporter.simulator import generate

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = {
    "historique mono base": "simulated://historique?contract=base",
    "standard mono tempo": "simulated://standard?contract=tempo",
    "standard tri producer": "simulated://standard?phases=3&producer=1&contract=tempo",
}
DECODE = [sys.executable, "-m", "linky_exporter.cli", "decode"]
MINIMAL = [sys.executable, str(ROOT / "benchmarks" / "minimal_decode.py")]
# As installed: modules compiled once, not at every start (a checkout run with
# PYTHONDONTWRITEBYTECODE would recompile decode's imports each time).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def cpu_s(command: list[str], repeat: int) -> float:
    """Best CPU (user + sys) of ``repeat`` runs, stdout to /dev/null."""
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV, check=True)
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def same_output(path: Path) -> bool:
    outputs = [subprocess.run([*command, str(path)], capture_output=True, cwd=ROOT, check=True).stdout for command in (DECODE, MINIMAL)]
    return outputs[0] == outputs[1] and outputs[0].count(b"\n") > 0


def measure(frames: int, repeat: int) -> list[tuple[str, float, float, float]]:
    """(capture, MB, decode CPU s, minimal CPU s) for the empty file, then each capture."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.tic"
        empty.write_bytes(b"")
        paths = {"start-up (empty file)": empty}
        for name, url in CAPTURES.items():
            path = paths[name] = Path(folder) / f"{name.replace(' ', '_')}.tic"
            path.write_bytes(generate(f"{url}&seed=1&start=2024-01-10T12:00", frames))
            if not same_output(path):
                raise SystemExit(f"{name}: decode and the minimal parser print different lines")
        for name, path in paths.items():
            size_mb = os.path.getsize(path) / 1e6
            rows.append((name, size_mb, cpu_s([*DECODE, str(path)], repeat), cpu_s([*MINIMAL, str(path)], repeat)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'capture':24s} {'MB':>5s} {'decode s':>9s} {'minimal s':>10s} {'ratio':>6s}")
    for name, size_mb, decode_s, minimal_s in measure(args.frames, args.repeat):
        print(f"{name:24s} {size_mb:5.1f} {decode_s:9.3f} {minimal_s:10.3f} {decode_s / minimal_s:6.2f}")


if __name__ == "__main__":
    main()
