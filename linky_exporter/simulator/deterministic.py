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
    """A number in [0, 1) that depends only on ``seed`` and ``keys``."""
    state = _mix(seed & _MASK)
    for key in keys:
        state = _mix(state ^ (key & _MASK))
    return (state >> 11) / float(1 << 53)


def between(low: float, high: float, seed: int, *keys: int) -> float:
    """A number in [low, high) that depends only on ``seed`` and ``keys``."""
    return low + (high - low) * unit(seed, *keys)
