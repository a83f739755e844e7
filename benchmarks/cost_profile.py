"""Where a frame's and a scrape's CPU goes, in this process (thread CPU time, so another
process's load weighs less than on wall time).

    python -m benchmarks.cost_profile [--frames 2000] [--meters 64] [--rounds 5] [--profile]

Reading: a standard mono frame (865 bytes, 30 groups) of the simulated meter, one at a
time through the reader's path without a line: ``FrameDecoder.feed`` (framing,
checksums), ``read_frame`` (label table, values), ``MeterState.record_chunk`` (index
guards, active power, values, today's energy, the 24 h curve, the snapshot), in
milliseconds a frame, best and median of --rounds.

Scraping: --meters meters (the four layouts of benchmarks/meters.py) fed a few frames,
then at each round every meter a new frame (as at a scrape a second, one frame a
second each) and /metrics rendered: prometheus_client's text and OpenMetrics of the
collector, and exposition/render.py's OpenMetrics (checked equal), then render.py
again with nothing changed. ``--profile`` prints cProfile's top functions of each.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.exposition.render import MeterRenderer
from linky_exporter.meter import MeterState
from linky_exporter.simulator import Transmitter, generate, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

from .common import machine
from .meters import LAYOUTS

STANDARD = "simulated://standard?contract=tempo&seed=1&start=2024-01-10T12:00"


def frames_of(url: str, count: int) -> list[bytes]:
    data = generate(url, count)
    return [part[part.index(b"\x02") :] + b"\x03" for part in data.split(b"\x03") if b"\x02" in part]


def reading(frames: list[bytes], profile: cProfile.Profile | None = None) -> dict[str, float]:
    """Milliseconds of thread CPU a frame, by step."""
    state = MeterState("m", 60.0)
    decoder = FrameDecoder(stats=state.decoder_stats)
    spent = {"feed": 0.0, "read_frame": 0.0, "record_chunk": 0.0}
    now = 1.7e9
    clock = time.thread_time
    if profile:
        profile.enable()
    for i, raw in enumerate(frames):
        t0 = clock()
        decoded = decoder.feed(raw)
        t1 = clock()
        pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in decoded]
        t2 = clock()
        state.record_chunk(pairs, float(i), now + i)
        t3 = clock()
        spent["feed"] += t1 - t0
        spent["read_frame"] += t2 - t1
        spent["record_chunk"] += t3 - t2
    if profile:
        profile.disable()
    return {step: seconds / len(frames) * 1000 for step, seconds in spent.items()}


class Fleet:
    def __init__(self, meters: int):
        self.now = 1.7e9
        self.meters = [MeterState(f"m{i:03d}", 60.0) for i in range(meters)]
        self.transmitters = [Transmitter(parse_url(f"{LAYOUTS[i % len(LAYOUTS)]}&seed={i + 1}&start=2024-01-10T12:00"))
                             for i in range(meters)]
        for _ in range(3):
            self.frame()

    def frame(self) -> None:
        self.now += 1.0
        for state, transmitter in zip(self.meters, self.transmitters):
            decoded = FrameDecoder(stats=state.decoder_stats).feed(transmitter.next_emission().data)
            state.record_chunk([(f, read_frame(f)) for f in decoded if f.result is FrameResult.VALID], self.now, self.now)


def scraping(meters: int, rounds: int, profile: bool) -> dict[str, list[float]]:
    fleet = Fleet(meters)
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    renderer = MeterRenderer(collector)
    renderer.render(True)
    spent: dict[str, list[float]] = {"prometheus_client text": [], "prometheus_client OpenMetrics": [],
                                     "render.py OpenMetrics": [], "render.py, nothing changed": []}
    profiles = {name: cProfile.Profile() for name in spent} if profile else {}
    steps = {
        "prometheus_client text": lambda: generate_latest(registry),
        "prometheus_client OpenMetrics": lambda: openmetrics_latest(registry),
        "render.py OpenMetrics": lambda: renderer.render(True),
    }
    for _ in range(rounds):
        fleet.frame()
        outputs = {}
        for name, step in steps.items():
            began = time.thread_time()
            if profiles:
                profiles[name].enable()
            outputs[name] = step()
            if profiles:
                profiles[name].disable()
            spent[name].append((time.thread_time() - began) * 1000)
        began = time.thread_time()
        if profiles:
            profiles["render.py, nothing changed"].enable()
        renderer.render(True)
        if profiles:
            profiles["render.py, nothing changed"].disable()
        spent["render.py, nothing changed"].append((time.thread_time() - began) * 1000)
        if outputs["render.py OpenMetrics"] + "# EOF\n" != outputs["prometheus_client OpenMetrics"].decode():
            raise SystemExit("render.py and prometheus_client differ")
    for name, one in profiles.items():
        print(f"--- cProfile, {name}")
        pstats.Stats(one).sort_stats("tottime").print_stats(8)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--meters", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    frames = frames_of(STANDARD, args.frames)
    reading(frames[:200])
    runs = [reading(frames) for _ in range(args.rounds)]
    print(f"machine: {machine()}")
    print(f"reading, one standard mono frame ({len(frames[0])} bytes), ms of CPU, best / median of {args.rounds}:")
    for step in runs[0]:
        values = [run[step] for run in runs]
        print(f"  {step:14s} {min(values):.3f} / {statistics.median(values):.3f}")
    totals = [sum(run.values()) for run in runs]
    print(f"  {'total':14s} {min(totals):.3f} / {statistics.median(totals):.3f}")
    if args.profile:
        one = cProfile.Profile()
        reading(frames, one)
        print("--- cProfile, reading")
        pstats.Stats(one).sort_stats("tottime").print_stats(15)
    spent = scraping(args.meters, args.rounds, args.profile)
    print(f"/metrics at {args.meters} meters, each with a new frame, ms of CPU, best / median of {args.rounds}:")
    for name, values in spent.items():
        print(f"  {name:30s} {min(values):7.2f} / {statistics.median(values):7.2f}")


if __name__ == "__main__":
    main()
