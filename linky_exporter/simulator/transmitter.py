"""What the meter puts on the line, frame after frame, in line time.

The transmitter owns the meter and decides what each next emission is: a long
or short frame (historique three-phase sends cycles of 20 short frames + 1 long
frame until one minute after the last over-current), in which mode (the
mode_switch scenario moves a meter to the other mode), from which meter
(the meter_swap scenario puts another meter, another serial, on the same line),
damaged or not (noise), or nothing ever again (silent). Line time advances by each emission's
duration at 10 bits per character, plus a short gap between frames, so the
simulated clock (start + line time × speed) is the same whether the bytes are
paced or written out at once.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple

from ..sources.pacing import wire_us
from ..tic.framing import BAUD, Mode
from . import layout_historique, layout_standard
from .clock import PARIS, SimClock
from .config import SimulatorConfig
from .frames import encode_frame
from .meter import SimulatedMeter
from .noise import PARITY_IN_BIT_7, corrupt, interrupt
from .scenarios import Scenarios

FRAME_GAP_US = 20_000  # between frames; the specification allows up to 33.4 ms
SHORT_FRAMES_PER_CYCLE = 20


class Emission(NamedTuple):
    data: bytes
    baud: int
    start_us: int  # line time of the first bit
    end_us: int  # line time after the last bit (gap not included)
    sim_ms: int  # the meter's clock for this frame
    mode: Mode
    short: bool


class Transmitter:
    def __init__(self, config: SimulatorConfig):
        config = config.started()
        self.config = config
        self.meter = SimulatedMeter(config)
        self.meters = [self.meter]  # every meter on the line so far, in order (meter_swap)
        self.clock = SimClock(config.start, config.speed)
        self.mode = config.mode
        self.line_us = 0
        scen = config.scenarios
        start_ms = self.meter.start_ms
        self.silent_ms = scen.silent_at.resolve_ms(start_ms) if scen.silent_at else None
        # The end of a silence that does not last for good (a line that comes back).
        self.silent_end_ms = (
            None if self.silent_ms is None or scen.silent_for_s is None else self.silent_ms + round(scen.silent_for_s * 1000)
        )
        self.switch_ms = scen.switch_at.resolve_ms(start_ms) if scen.switch_at else None
        self.swap_ms = scen.swap_at.resolve_ms(start_ms) if scen.swap_at else None
        self.noise = scen.noise
        self._rng = random.Random(config.seed ^ 0x7E1)
        self._short_left = 0  # short frames still to send in this cycle
        self.silent = False
        self.frames = 0
        self.bytes_corrupted = 0
        self.frames_interrupted = 0

    @property
    def baud(self) -> int:
        return BAUD[self.mode]

    def next_emission(self) -> Emission | None:
        """The next frame on the line, or None once the meter has fallen silent for good."""
        if self.silent:
            return None
        sim_ms = self.clock.at_line_us(self.line_us)
        if self.silent_ms is not None and sim_ms >= self.silent_ms:
            if self.silent_end_ms is None:
                self.silent = True
                return None
            # Nothing on the line until the silence ends; the meter keeps counting.
            self.line_us = max(self.line_us, self.clock.line_us_at(self.silent_end_ms))
            self.silent_ms = None
            sim_ms = self.clock.at_line_us(self.line_us)
        if self.switch_ms is not None and sim_ms >= self.switch_ms:
            # The other mode, once (Enedis switches meters remotely, usually to standard).
            self.mode = Mode.STANDARD if self.config.mode is Mode.HISTORIQUE else Mode.HISTORIQUE
        if self.swap_ms is not None and sim_ms >= self.swap_ms:
            self._swap_meter(self.swap_ms)
        meter = self.meter
        meter.advance_to(sim_ms)
        short = False
        if self.mode is Mode.HISTORIQUE and meter.phases == 3:
            if self._short_left:
                short = True
                self._short_left -= 1
            elif meter.overcurrent_recent():
                # Start a cycle: this frame is short, then 19 more, then a long one.
                short = True
                self._short_left = SHORT_FRAMES_PER_CYCLE - 1
        data = build_frame(meter, self.mode, short)
        data = self._damage(data)
        baud = self.baud
        duration = wire_us(len(data), baud)
        emission = Emission(data, baud, self.line_us, self.line_us + duration, sim_ms, self.mode, short)
        self.line_us += duration + FRAME_GAP_US
        self.frames += 1
        return emission

    def _swap_meter(self, at_ms: int) -> None:
        """Another meter from ``at_ms`` on: its own seed (serial, household, indexes), no other scenario."""
        self.swap_ms = None
        self.meter.advance_to(at_ms)  # the old meter's truth stops at the swap
        config = self.config
        start = datetime.fromtimestamp(at_ms / 1000, PARIS)
        new = replace(config, seed=config.swap_seed, start=start, scenarios=Scenarios())
        self.meter = SimulatedMeter(new, fresh=config.scenarios.swap_fresh)
        self.meters.append(self.meter)

    def _damage(self, data: bytes) -> bytes:
        noise = self.noise
        if noise is None:
            return data
        if noise.active(self.line_us / 1e6):
            if noise.eot_rate and self._rng.random() < noise.eot_rate:
                data = interrupt(data, self._rng)
                self.frames_interrupted += 1
            data, changed = corrupt(data, noise.byte_rate, self._rng)
            self.bytes_corrupted += changed
        if noise.parity:
            data = data.translate(PARITY_IN_BIT_7)
        return data

    def generate(self, frames: int) -> bytes:
        """``frames`` emissions back to back, without pacing (fewer if the meter falls silent)."""
        chunks = []
        for _ in range(frames):
            emission = self.next_emission()
            if emission is None:
                break
            chunks.append(emission.data)
        return b"".join(chunks)


def build_frame(meter: SimulatedMeter, mode: Mode, short: bool = False) -> bytes:
    """The frame ``meter`` sends now in ``mode`` (a short frame: historique three-phase only)."""
    if mode is Mode.HISTORIQUE:
        fields = layout_historique.short_fields(meter) if short else layout_historique.long_fields(meter)
    else:
        fields = layout_standard.fields(meter)
    return encode_frame(fields, mode)
