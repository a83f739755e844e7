"""The voltage the meter sees: 230 V nominal, a daily swing, per-phase offsets,
slow random drift, a drop with the household's own current and a rise while its
panels inject. Within ±2-3 % of 230 V in normal operation; the over-voltage
scenario overrides it."""

from __future__ import annotations

import math
import random

from .deterministic import SlotNoise

NOMINAL_V = 230.0
OVERVOLTAGE_V = 253  # 230 V + 10 %: the meter flags over-voltage above this


class Grid:
    def __init__(self, seed: int, phases: int, overvoltage: tuple[int, int, int] | None = None):
        rng = random.Random(seed ^ 0x5EED)
        self.seed = seed
        self.offsets = [rng.uniform(-2.0, 3.0) for _ in range(phases)]
        self.overvoltage = overvoltage  # (from ms, to ms, volts)
        self._drift = [SlotNoise(seed, 50 + phase, 60) for phase in range(phases)]  # slow, per minute
        self._ripple = [SlotNoise(seed, 60 + phase, 10) for phase in range(phases)]  # fast, per 10 s

    def voltages(self, epoch_s: int, second_of_day: int, currents: list[float], injected_a: float) -> list[float]:
        if self.overvoltage and self.overvoltage[0] <= epoch_s * 1000 < self.overvoltage[1]:
            return [float(self.overvoltage[2])] * len(self.offsets)
        # Lowest around the 19:00 national peak, highest in the small hours.
        daily = 2.0 * math.cos(2 * math.pi * (second_of_day - 4 * 3600) / 86400)
        volts = []
        for phase, offset in enumerate(self.offsets):
            drift = 2.0 * (self._drift[phase].at(epoch_s) - 0.5)
            ripple = 0.6 * (self._ripple[phase].at(epoch_s) - 0.5)
            rise = 0.25 * injected_a if phase == 0 else 0.0
            volts.append(NOMINAL_V + offset + daily + drift + ripple - 0.12 * currents[phase] + rise)
        return volts
