"""A guard on energy indexes: one corrupted read must never become a spike in a graph.

An index is a counter: Prometheus takes any decrease for a reset and any jump for
real energy. A corrupted digit that slips past the six-bit checksum would do
either. So a value is passed on only once the *next* frame confirms it: the next
value must be no lower, and no higher than the meter's cut-off power could have
drawn in the time between them (with a margin). An isolated bad value is
therefore never confirmed and never exposed, whether it is too high or too low.
The cost is one frame of delay on energy counters.

Under the same serial a meter's index never goes back and never grows faster
than its power allows, so a value that does is refused however many frames
agree with it: a source that rewinds to 1 Wh and then jumps to 999 999 999 Wh
would otherwise be believed, and Prometheus would count a gigawatt-hour. The
bound grows with the time since the last accepted value, so a long silence
(an unplugged dongle) is followed by the energy it hid. When
``PERSISTENT_AFTER`` refused values in a row agree with each other (a source
that really rewound or jumped, not one corrupted read), ``discontinuity`` says
so once, for the caller to log. A replaced meter has another serial: it gets new
guards at once (``MeterState._start_new_meter`` in meter/state.py), so none of
its values is refused.

Time comes from the caller: wall-clock seconds when reading live, the time the
bytes took on the wire when replaying a capture as fast as possible.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Point:
    wh: int
    at: float


class IndexGuard:
    #: Relative margin over the cut-off power, for rounding and clock jitter.
    MARGIN = 1.5
    #: Extra seconds granted between two values: frames are timestamped when
    #: decoded, not when the meter sampled its index.
    JITTER_S = 2.0
    #: Whole watt-hours granted on top (the index resolution).
    SLACK_WH = 2

    #: Refused values in a row that agree with each other: a source that rewound or
    #: jumped, rather than one corrupted read.
    PERSISTENT_AFTER = 3

    def __init__(self) -> None:
        self.accepted: _Point | None = None
        self._pending: _Point | None = None
        self._rival: list[_Point] = []  # consecutive values that agree with each other, not with `accepted`
        self.rejected = 0  # values never passed on
        #: (accepted Wh, refused Wh) once PERSISTENT_AFTER refused values agree; the caller clears it.
        self.discontinuity: tuple[int, int] | None = None

    @property
    def value(self) -> int | None:
        """The last confirmed index, or None before the first confirmation."""
        return None if self.accepted is None else self.accepted.wh

    def update(self, wh: int, at: float, max_power_va: float) -> int | None:
        """Offer a new index value read at time ``at`` (seconds); return the confirmed value."""
        point = _Point(wh, at)
        pending = self._pending
        if pending is not None and wh == pending.wh:  # most registers of most frames: always possible
            self.accepted = pending
            self._follow(point)
            return wh
        if pending is not None and self._possible(pending, point, max_power_va):
            self.accepted = pending  # confirmed by its successor
            self._follow(point)
            return self.value
        if self.accepted is None or self._possible(self.accepted, point, max_power_va):
            if pending is not None:
                self.rejected += 1  # the new value fits, the pending one was the outlier
            self._follow(point)
            return self.value
        # The new value fits nothing accepted: an outlier, or a source that rewound or
        # jumped. Neither is passed on; a series of them that agree is reported once.
        self.rejected += 1
        if self._rival and not self._possible(self._rival[-1], point, max_power_va):
            self._rival.clear()
        self._rival.append(point)
        if len(self._rival) == self.PERSISTENT_AFTER:
            self.discontinuity = (self.accepted.wh, wh)
        return self.value

    def _follow(self, point: _Point) -> None:
        self._pending = point
        self._rival.clear()

    def _possible(self, before: _Point, after: _Point, max_power_va: float) -> bool:
        if after.wh < before.wh:
            return False
        elapsed_s = max(after.at - before.at, 0.0) + self.JITTER_S
        allowed_wh = max_power_va * elapsed_s / 3600.0 * self.MARGIN + self.SLACK_WH
        return after.wh - before.wh <= allowed_wh
