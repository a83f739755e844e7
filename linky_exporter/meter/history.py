"""The last 24 hours of a meter's power, one point a minute, for the live page's curve.

Each minute holds the mean of what the frames of that minute said (apparent power
drawn and injected, the active-power estimate drawn). The memory is fixed when the
meter starts (1 440 minutes of a few numbers, about 60 KB), whatever the meter
sends and however long the exporter runs; a minute without a frame stays empty, and
a point is never invented to fill it.
"""

from __future__ import annotations

import math
import threading
from array import array

STEP_S = 60
POINTS = 24 * 60
#: The series kept, in the order of ``record``'s arguments.
SERIES = ("import_va", "export_va", "import_w")


class PowerHistory:
    """Written by the meter's reader thread, read by the HTTP threads (a lock between them)."""

    def __init__(self) -> None:
        self._sums = [array("d", bytes(8 * POINTS)) for _ in SERIES]
        self._counts = [array("H", bytes(2 * POINTS)) for _ in SERIES]
        self._minute = array("q", [-1]) * POINTS  # which minute (unix time // 60) each slot holds
        self._lock = threading.Lock()

    def record(self, now: float, *values: float | None) -> None:
        """The values a frame read at ``now`` gave (None: not said), in SERIES order."""
        minute = int(now // STEP_S)
        slot = minute % POINTS
        with self._lock:
            if self._minute[slot] != minute:  # a slot of 24 h ago, or never written: start it again
                self._minute[slot] = minute
                for sums, counts in zip(self._sums, self._counts):
                    sums[slot] = 0.0
                    counts[slot] = 0
            for value, sums, counts in zip(values, self._sums, self._counts):
                if value is not None and math.isfinite(value) and counts[slot] < 65535:
                    sums[slot] += value
                    counts[slot] += 1

    def points(self, now: float) -> dict[str, object]:
        """The last 24 h up to the minute of ``now``, oldest first: one mean per minute, None where none.

        The series start at the first minute that has a value (``start``); a series
        without any value is None: a fresh exporter or a meter that never injects
        sends a few bytes, not 1 440 nulls.
        """
        last = int(now // STEP_S)
        first = last - POINTS + 1
        series: dict[str, list[float | None]] = {}
        with self._lock:
            for name, sums, counts in zip(SERIES, self._sums, self._counts):
                values: list[float | None] = []
                for minute in range(first, last + 1):
                    slot = minute % POINTS
                    count = counts[slot] if self._minute[slot] == minute else 0
                    values.append(round(sums[slot] / count) if count else None)  # whole W and VA, as the meter
                series[name] = values
        begin = min((next(i for i, v in enumerate(values) if v is not None) for values in series.values()
                     if any(v is not None for v in values)), default=POINTS - 1)
        out: dict[str, object] = {"step_s": STEP_S, "start": (first + begin) * STEP_S}
        for name, values in series.items():
            out[name] = values[begin:] if any(v is not None for v in values) else None
        return out
