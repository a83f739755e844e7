"""The transmitter's bytes at the time they reach the reader, read (pulled) or streamed (pushed).

:class:`PacedEmissions` is the one walk through the transmitter's emissions on
the line's clock (``linky_exporter.sources.pacing``, the one pacer): the
simulated serial port takes what has arrived at each read, and
:func:`paced_chunks` streams it into a pty or a TCP client, in slices of about
``SLICE_S``, so the reader sees the stream arrive like from a real meter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from ..sources.pacing import LinePacer
from .transmitter import Emission, Transmitter

SLICE_S = 0.05  # how often a stream releases bytes
SILENT_WAIT_S = 0.2  # how often a stream from a meter silent for good yields b""


class PacedEmissions:
    """What of the transmitter's emissions has crossed the line by now (``clock``), from the start.

    ``limit``: emissions to send at most (None: for ever).
    """

    def __init__(self, transmitter: Transmitter, clock: Callable[[], float] = time.monotonic, limit: int | None = None):
        self.transmitter = transmitter
        self.pacer = LinePacer(clock)
        self.limit = limit
        self.begun = 0  # emissions taken from the transmitter
        self._emission: Emission | None = None
        self._sent = 0  # bytes of the current emission already arrived

    @property
    def done(self) -> bool:
        """The last of ``limit`` emissions has arrived whole."""
        return self._emission is None and self.limit is not None and self.begun >= self.limit

    @property
    def silent(self) -> bool:
        """Nothing will ever arrive again: the meter fell silent for good."""
        return self._emission is None and self.transmitter.silent

    def arrived(self) -> list[tuple[bytes, int]]:
        """The bytes that arrived since the last call, each emission's apart with the speed it was sent at."""
        pieces = []
        while True:
            if self._emission is None:
                if self.done:
                    return pieces
                self._emission, self._sent = self.transmitter.next_emission(), 0
                if self._emission is None:
                    return pieces  # silent for good
                self.begun += 1
            emission = self._emission
            arrived = min(len(emission.data), self.pacer.arrived(emission.start_us, emission.baud))
            if arrived > self._sent:
                pieces.append((emission.data[self._sent : arrived], emission.baud))
                self._sent = arrived
            if self._sent < len(emission.data):
                return pieces
            self._emission = None

    def next_byte_due(self) -> float | None:
        """When (on the clock) the next byte arrives, after a call to :meth:`arrived`; None if none will."""
        emission = self._emission
        if emission is None:
            return None
        return self.pacer.due(emission.start_us, self._sent + 1, emission.baud)


def paced_chunks(
    transmitter: Transmitter,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], None] = time.sleep,
    frames: int | None = None,
) -> Iterator[bytes]:
    """Yield the line's bytes in real time; after the meter falls silent for good, yield b"" now and then.

    ``wait`` is the sleeping function; the TCP server passes one that accepts clients meanwhile.
    """
    stream = PacedEmissions(transmitter, clock, frames)
    while not stream.done:
        data = b"".join(piece for piece, _ in stream.arrived())
        if data:
            yield data
        due = stream.next_byte_due()
        if due is None:
            if stream.silent:  # keep the caller's loop alive
                wait(SILENT_WAIT_S)
                yield b""
            continue
        # A slice's first byte waits for the slice's last, as on a UART with a FIFO.
        wait(max(0.0, due - clock()) + SLICE_S)
