"""The meter's clock as a nearly constant offset from the exporter's clock."""

from __future__ import annotations

import random

from linky_exporter.meter import MeterState
from linky_exporter.meter.clock_offset import ClockOffset
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder
from linky_exporter.tic.interpret import read_frame

OFFSET = ("linky_meter_clock_offset_seconds", ())


def frames_received(offset_s: float, count: int, seed: int = 1) -> list[tuple[float, float]]:
    """(DATE of the frame, time it was received) for a meter ``offset_s`` ahead, a frame every 1-2 s."""
    rng = random.Random(seed)
    exporter_clock, out = 1_750_000_000.0, []
    for _ in range(count):
        exporter_clock += rng.uniform(1.0, 2.0)
        stamped = exporter_clock + offset_s  # the meter's clock when it starts the frame
        out.append((float(int(stamped)), exporter_clock + rng.uniform(0.05, 0.9)))
    return out


def test_the_sub_second_wander_of_frame_dates_does_not_move_the_offset():
    for true_offset in (0.0, 0.3, 0.7, -3.4, 125.5):
        clock = ClockOffset()
        values = {clock.update(date, received) for date, received in frames_received(true_offset, 2000)}
        assert len(values) == 1, (true_offset, values)
        assert abs(values.pop() - true_offset) <= 1.5


def test_a_real_drift_moves_the_offset():
    clock = ClockOffset()
    for date, received in frames_received(0.0, 50):
        before = clock.update(date, received)
    for date, received in frames_received(-420.0, 50, seed=2):
        after = clock.update(date, received)
    assert abs(before) <= 1.5 and abs(after + 420) <= 1.5


def test_the_meter_state_exposes_the_offset_of_a_simulated_meter():
    url = "simulated://standard?phases=3&producer=1&seed=2&start=2025-06-14T00:00"
    transmitter = Transmitter(parse_url(url))
    start = transmitter.meter.start_ms / 1000
    state, seen = MeterState("linky", 30.0), set()
    for _ in range(300):
        emission = transmitter.next_emission()
        received = start + emission.end_us / 1e6 + 60.0  # the exporter's clock is a minute ahead
        frames = FrameDecoder(stats=state.decoder_stats).feed(emission.data)
        state.record_chunk([(f, read_frame(f)) for f in frames], clock=received, now=received)
        seen.add(state.snapshot.fresh_samples(received)[OFFSET])
    assert len(seen) == 1 and abs(seen.pop() + 60) <= 1.5
