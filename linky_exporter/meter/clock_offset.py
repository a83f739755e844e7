"""The meter's clock as an offset from the exporter's clock, in whole seconds.

Exposing the meter's clock as an absolute time gives a value that changes at every
scrape, which costs the time-series database a full sample each time for no
information: what users watch is whether the meter's clock has drifted (tariff
periods follow it). The offset is nearly constant, so it costs almost nothing to keep.

A frame's date (DATE) is the meter's clock truncated to the second, and the frame is
received some hundreds of milliseconds after it was stamped, so the raw difference
wanders over about one second from frame to frame. The exposed offset only moves
when the raw difference leaves a 3 s window around it: a real drift of 2 s or more
shows, the sub-second wander does not.
"""

from __future__ import annotations

# Raw differences lie in (true offset - 1 s - transmission delay, true offset - delay]:
# a window from 2 s below to 1 s above the exposed value holds all of them while the
# two clocks keep their distance.
_BELOW_S = 2.0
_ABOVE_S = 1.0


class ClockOffset:
    def __init__(self) -> None:
        self.seconds: float | None = None

    def update(self, meter_time: float, received: float) -> float:
        """The offset (meter minus exporter) after a frame dated ``meter_time`` arrived at ``received``."""
        raw = meter_time - received
        if self.seconds is None or not self.seconds - _BELOW_S <= raw <= self.seconds + _ABOVE_S:
            # Half a second up: the middle of the raw differences' one-second spread.
            self.seconds = float(round(raw + 0.5))
        return self.seconds
