"""The pace of a TIC line: 10 bits a character (7E1: start, 7 data, parity, stop) at 1200 or 9600 Bd.

One pacer for everything that plays bytes at a line's speed: a capture
replayed at the meter's pace (:mod:`.replay`), the simulated meter read as a
serial port and the simulated meter streamed into a pty or TCP
(``linky_exporter.simulator``, which imports this module: it provides a source,
so it sits beside ``sources/``, never below it).
"""

from __future__ import annotations

import time
from collections.abc import Callable

BITS_PER_CHARACTER = 10
_US = 1_000_000


def wire_us(size: int, baud: int) -> int:
    """Microseconds ``size`` characters take on a line at ``baud``."""
    return size * BITS_PER_CHARACTER * _US // baud


def wire_seconds(previous: float, wall_s: float, size: int, baudrate: int) -> float:
    """The clock of a live line or a replayed capture, after a read of ``size`` bytes that took ``wall_s``.

    A live line is never faster than the wire, and a capture replayed as fast as
    possible is only as old as the time its bytes took on the wire: the clock
    advances by the larger of the two.
    """
    return previous + max(wall_s, size * BITS_PER_CHARACTER / max(baudrate, 1))


class LinePacer:
    """Line time since the pacer started (on ``clock``), and which bytes have crossed the line by now."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock()

    def elapsed_s(self) -> float:
        return self.clock() - self.started

    def line_us(self) -> int:
        return int((self.clock() - self.started) * _US)

    def arrived(self, start_us: int, baud: int) -> int:
        """How many characters sent from line time ``start_us`` at ``baud`` have reached the reader by now."""
        return max(0, (self.line_us() - start_us) * baud // (BITS_PER_CHARACTER * _US))

    def due(self, start_us: int, count: int, baud: int) -> float:
        """When (on ``clock``) the ``count``-th character sent from ``start_us`` at ``baud`` has arrived."""
        return self.started + (start_us + count * BITS_PER_CHARACTER * _US / baud) / _US
