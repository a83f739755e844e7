"""Reproducible pseudo-randomness addressed by keys instead of drawn in sequence.

The simulator must give the same value for the same seed and the same simulated
instant however it got there (a fast capture, a paced line that skipped ahead, a
test that jumps to 19:59). A ``random.Random`` stream depends on how many draws
came before; a hash of (seed, key...) does not. SplitMix64 is small, fast in pure
Python and mixes well enough for load jitter and cloud cover.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1


def _mix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def unit(seed: int, *keys: int) -> float:
    """A number in [0, 1) that depends only on ``seed`` and ``keys``.

    The keys are folded in with a multiply-add (cheap, called for every simulated
    second) and the result goes once through the SplitMix64 finaliser.
    """
    state = seed
    for key in keys:
        state = (state * 0x9E3779B97F4A7C15 + key) & _MASK
    return (_mix(state) >> 11) / float(1 << 53)


def between(low: float, high: float, seed: int, *keys: int) -> float:
    """A number in [low, high) that depends only on ``seed`` and ``keys``."""
    return low + (high - low) * unit(seed, *keys)


class SlotNoise:
    """``unit(seed, key, epoch_s // period)``: one value per time slot, remembered
    for the current slot because it is asked for every simulated second."""

    __slots__ = ("seed", "key", "period", "_slot", "_value")

    def __init__(self, seed: int, key: int, period: int):
        self.seed, self.key, self.period = seed, key, period
        self._slot = None
        self._value = 0.0

    def at(self, epoch_s: int) -> float:
        slot = epoch_s // self.period
        if slot != self._slot:
            self._slot = slot
            self._value = unit(self.seed, self.key, slot)
        return self._value
