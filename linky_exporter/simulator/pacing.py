"""Real-time pacing of the transmitter: bytes released when they reach the reader.

``paced_chunks`` yields small slices of each frame at the moment their last byte
has crossed the line (``linky_exporter.sources.pacing``, the one pacer), so a
pty or TCP client sees the stream arrive like from a real meter. ``wait`` is the
sleeping function; the TCP server passes one that accepts clients meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from ..sources.pacing import BITS_PER_CHARACTER, LinePacer
from .transmitter import Transmitter

SLICE_S = 0.05  # how often bytes are released


def paced_chunks(
    transmitter: Transmitter,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], None] = time.sleep,
    frames: int | None = None,
) -> Iterator[bytes]:
    """Yield the line's bytes in real time; after the meter falls silent, yield b"" now and then."""
    pacer = LinePacer(clock)
    sent = 0
    while frames is None or sent < frames:
        emission = transmitter.next_emission()
        if emission is None:
            while True:  # silent for good: keep the caller's loop alive
                wait(0.2)
                yield b""
        sent += 1
        per_slice = max(1, int(emission.baud / BITS_PER_CHARACTER * SLICE_S))
        data = emission.data
        for i in range(0, len(data), per_slice):
            end = min(i + per_slice, len(data))
            delay = pacer.due(emission.start_us, end, emission.baud) - clock()
            if delay > 0:
                wait(delay)
            yield data[i:end]
