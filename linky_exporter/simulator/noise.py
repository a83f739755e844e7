"""Line faults of the noise scenario: corrupted bytes, EOT aborts, parity in bit 7."""

from __future__ import annotations

import math
import random

from .frames import EOT

# Bit 7 set to the even parity of the 7 data bits: a 7E1 line read as 8N1.
PARITY_IN_BIT_7 = bytes(b | (bin(b).count("1") % 2) << 7 for b in range(128)) + bytes(range(128, 256))


def interrupt(frame: bytes, rng: random.Random) -> bytes:
    """Cut ``frame`` part-way (after STX, before ETX) and abort it with EOT."""
    return frame[: rng.randrange(1, len(frame) - 1)] + EOT


def corrupt(data: bytes, rate: float, rng: random.Random) -> tuple[bytes, int]:
    """Replace each byte with a random 7-bit byte with probability ``rate``.

    Returns the new data and how many bytes were replaced. Positions are drawn
    with geometric gaps, so the cost follows the number of faults, not of bytes.
    """
    if rate <= 0 or not data:
        return data, 0
    out = bytearray(data)
    changed = 0
    position = -1
    log_keep = math.log1p(-rate) if rate < 1 else None
    while True:
        if log_keep is None:
            position += 1
        else:
            position += 1 + int(math.log(1.0 - rng.random()) / log_keep)
        if position >= len(out):
            break
        replacement = rng.randrange(128)
        if replacement == out[position]:
            replacement ^= 0x20
        out[position] = replacement
        changed += 1
    return bytes(out), changed
