"""Decoder throughput: frames/s and MB/s per layout on a generated 10,000-frame capture.

    python benchmarks/decode.py [--frames 10000] [--repeat 5]

The capture comes from the simulated meter (exact frames of each layout). Each
figure is the best of --repeat runs, fed in 64 KiB chunks like a file replay;
"with meaning" adds read_frame() (label table and interpretation) per frame.
Targets on a 2-core machine: standard mono >= 20,000 frames/s, historique mono
>= 70,000 frames/s (framing).
"""

from __future__ import annotations

import argparse
import time

from linky_exporter.simulator import generate
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

LAYOUTS = {
    "historique mono base": ("simulated://historique?contract=base", 70_000),
    "historique mono tempo": ("simulated://historique?contract=tempo", None),
    "historique tri base": ("simulated://historique?phases=3", None),
    # STX CR LF group CR LF ... CR LF ETX, CR LF between frames (real three-phase captures)
    "historique tri CR LF": ("simulated://historique?phases=3", None),
    "standard mono base": ("simulated://standard?contract=base", 20_000),
    "standard mono tempo": ("simulated://standard?contract=tempo", None),
    "standard tri producer": ("simulated://standard?phases=3&producer=1&contract=tempo", None),
}
CHUNK = 1 << 16


def decode(data: bytes, meaning: bool) -> tuple[float, int]:
    decoder = FrameDecoder()
    valid = 0
    started = time.perf_counter()
    for i in range(0, len(data), CHUNK):
        for frame in decoder.feed(data[i : i + CHUNK]):
            if frame.result is FrameResult.VALID:
                valid += 1
                if meaning:
                    read_frame(frame)
    return time.perf_counter() - started, valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'layout':24s} {'bytes/frame':>11s} {'framing frames/s':>17s} {'MB/s':>6s} {'with meaning':>13s}  target")
    for name, (url, target) in LAYOUTS.items():
        data = generate(url + "&seed=1&start=2024-01-10T12:00", args.frames)
        if "CR LF" in name:
            data = data.replace(b"\x02\n", b"\x02\r\n").replace(b"\r\x03", b"\r\n\x03").replace(b"\x03\x02", b"\x03\r\n\x02")
        best = min(decode(data, False)[0] for _ in range(args.repeat))
        _, valid = decode(data, False)
        assert valid == args.frames, f"{name}: {valid} valid frames of {args.frames}"
        best_meaning = min(decode(data, True)[0] for _ in range(args.repeat))
        rate = valid / best
        verdict = "" if target is None else f">= {target:,} {'ok' if rate >= target else 'MISSED'}"
        print(
            f"{name:24s} {len(data) / valid:11.0f} {rate:17,.0f} {len(data) / best / 1e6:6.1f} "
            f"{valid / best_meaning:13,.0f}  {verdict}"
        )


if __name__ == "__main__":
    main()
