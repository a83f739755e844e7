"""When a line's next frame will have arrived: one read just after each frame, not two a second.

A meter sends its frames at a steady pace (standard mode: about one every
1.1 s). Reading twice a second took each frame in two reads, and on a small
machine a read costs more in wake-up than in decoding (docs/performance.md:
0.3 ms of CPU for a read that completes no frame). Once two frames have been
seen, the next read is set just after the next frame should have ended: the
frame is read whole, about MARGIN_S after its end, in one read (the reading loop
may hold it up to its tick, meter/reading_loop.py's TICK_S, to read several meters
at one wake-up).

A frame's end is estimated from the read that completed it: the bytes read
after its ETX came after it, at the line's speed. A read that comes too early
(a late frame) looks again RETRY_S later; a frame that never comes leaves the
reads LONGEST_WAIT_S apart, well within what a tty holds (4 KiB: 4 s of
standard mode), until the pace is learnt again.
"""

from __future__ import annotations

from .pacing import wire_us

#: After a frame's expected end: a frame a little late is still read whole.
MARGIN_S = 0.1
#: A read that came before the frame ended looks again this soon.
RETRY_S = 0.1
#: The longest wait between two reads while data flows (1,900 bytes at 9600 Bd).
LONGEST_WAIT_S = 2.0
#: Frame periods outside these are not a meter's pace (a replay, a line that stalled).
SHORTEST_PERIOD_S, LONGEST_PERIOD_S = 0.3, 5.0


class FrameTiming:
    def __init__(self) -> None:
        self.last_end: float | None = None  # when the last frame ended (time.monotonic())
        self.period: float | None = None  # seconds from one frame's end to the next

    def observe(self, now: float, frames: int, unfinished: int, baudrate: int) -> None:
        """A read at ``now`` that completed ``frames`` frames and left ``unfinished`` bytes after the last one."""
        if not frames:
            return
        end = now - wire_us(unfinished, max(baudrate, 1)) / 1e6
        if self.last_end is not None:
            period = (end - self.last_end) / frames
            self.period = period if SHORTEST_PERIOD_S <= period <= LONGEST_PERIOD_S else None
        self.last_end = end

    def wait(self, now: float, otherwise: float) -> float:
        """Seconds until the next read: just after the next frame's end once the pace is known, else ``otherwise``."""
        if self.period is None or self.last_end is None:
            return otherwise
        due = self.last_end + self.period + MARGIN_S
        if due <= now:  # the frame is late
            return RETRY_S if now - due < self.period else otherwise
        return min(due - now, LONGEST_WAIT_S)
