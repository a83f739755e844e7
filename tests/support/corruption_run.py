"""How many corrupted values reach /metrics when 2 % of groups are corrupted?

Shared by tests/unit/test_corruption.py (short form) and ``python -m benchmarks.corruption
[--frames 20000] [--rate 0.02] [--seed 1]``.

A simulated meter's stream is decoded twice: clean, for the truth, and with
``rate`` of its groups corrupted (one to three random 7-bit bytes replaced
inside the group, separators and checksum included), through the exporter's
own decoder, label table, index guard and per-meter state, at the meter's pace
(the state's clock is the simulated meter's). After every frame, each exposed
value is compared with the clean values the meter sent over the freshness
window: a value the meter never sent is a corrupted value that reached the
metrics. Targets: 0 for counters; for gauges as few as format checks allow.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from linky_exporter.meter import MeterState
from linky_exporter.metrics.samples import SampleKey
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame

LAYOUTS = (
    "simulated://standard?contract=tempo",
    "simulated://standard?phases=3&producer=1&contract=hc",
    "simulated://historique?contract=tempo",
    "simulated://historique?phases=3&contract=base",
)
STALE_FRAMES = 30  # a value counts as sent by the meter if among a series' last 30 values
# Computed by the exporter, never sent by the meter: nothing to compare with the frames.
# That they are never computed across a rejected value is tests/unit/test_active_power.py's.
DERIVED = frozenset({"linky_active_power_watts", "linky_power_factor_ratio"})


@dataclass
class Outcome:
    layout: str
    frames: int = 0
    groups: int = 0
    groups_corrupted: int = 0
    corrupted_passing_checksum: int = 0  # reached the label table
    frames_valid_lost: int = 0  # clean frames the exporter did not count as valid
    bad_counter_values: set = field(default_factory=set)
    bad_gauge_values: set = field(default_factory=set)


def corrupt_groups(frame: bytes, rate: float, rng: random.Random) -> tuple[bytes, int]:
    """Replace 1-3 bytes inside ``rate`` of the groups (between LF and CR, both kept)."""
    out = bytearray(frame)
    corrupted = 0
    start = out.find(b"\n")
    while start != -1:
        end = out.find(b"\r", start)
        if end == -1:
            break
        if end - start > 1 and rng.random() < rate:
            corrupted += 1
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(start + 1, end)
                out[i] = rng.randrange(0x20, 0x7F)
        start = out.find(b"\n", end)
    return bytes(out), corrupted


def clean_values(reading_frame, now: float) -> dict[SampleKey, float]:
    """What an uncorrupted frame received at ``now`` says, as the exporter would expose it
    (the meter's clock is exposed as an offset from the time of reception)."""
    state = MeterState("truth", stale_after=1e9)
    state.record_chunk([(reading_frame, read_frame(reading_frame))], clock=now, now=now)
    values = {key: value for key, (value, _) in state.snapshot.samples.items()}
    reading = read_frame(reading_frame)
    serial = reading.serial
    energy = {
        ("linky_energy_imported_joules_total", (serial,)): reading.energy_imported_wh,
        ("linky_energy_exported_joules_total", (serial,)): reading.energy_exported_wh,
    }
    energy.update({("linky_energy_imported_by_index_joules_total", (serial, "supplier", str(i))): wh for i, wh in reading.supplier_energy_wh.items()})
    energy.update({("linky_energy_imported_by_index_joules_total", (serial, "distributor", str(i))): wh for i, wh in reading.distributor_energy_wh.items()})
    values.update({key: wh * 3600.0 for key, wh in energy.items() if wh is not None})
    values.update({("linky_reactive_energy_varh_total", (serial, str(q))): float(v) for q, v in reading.reactive_energy_varh.items()})
    return values


def run(layout: str, frames: int, rate: float, seed: int) -> Outcome:
    rng = random.Random(seed)
    transmitter = Transmitter(parse_url(f"{layout}&seed={seed}&start=2024-01-10T06:00&speed=20"))
    state = MeterState("linky", stale_after=1e9)  # staleness is counted in frames here
    outcome = Outcome(layout)
    # The last values the meter really sent, per series (short frames refresh only a few).
    recent: dict[SampleKey, deque[float]] = {}
    for _ in range(frames):
        emission = transmitter.next_emission()
        sim_s = emission.sim_ms / 1000
        clean = FrameDecoder().feed(emission.data)[0]
        for key, value in clean_values(clean, sim_s).items():
            recent.setdefault(key, deque(maxlen=STALE_FRAMES)).append(value)
        damaged, corrupted = corrupt_groups(emission.data, rate, rng)
        outcome.frames += 1
        outcome.groups += clean.groups_valid
        outcome.groups_corrupted += corrupted
        decoded = FrameDecoder(stats=state.decoder_stats).feed(damaged)
        pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in decoded]
        for frame, reading in pairs:
            if reading is not None:
                # A corrupted group that kept a valid checksum reached the label table.
                outcome.corrupted_passing_checksum += sum(
                    1 for label, group in frame.groups.items() if clean.groups.get(label) != group
                )
        if corrupted == 0 and not any(f.result is FrameResult.VALID for f, _ in pairs):
            outcome.frames_valid_lost += 1
        state.record_chunk(pairs, clock=sim_s, now=sim_s)
        for key, (value, _) in state.snapshot.samples.items():
            if value in recent.get(key, ()) or key[0] in DERIVED:
                continue
            counter = key[0].endswith("_total")
            (outcome.bad_counter_values if counter else outcome.bad_gauge_values).add((key, value))
    return outcome
