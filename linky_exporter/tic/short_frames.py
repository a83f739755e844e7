"""Historique three-phase over-current bursts: which values a frame inside one really carries.

While a phase exceeds its setting current, a historique three-phase meter sends
cycles of 20 short frames (ADIR1-3, ADCO, IINST1-3) then one long frame, until a
minute after the last over-current (docs/protocol.md, "three-phase short frames").
A short frame says nothing of what it does not carry: ``Reading.short_frame`` marks
it and its reading holds only those groups. The long frame of a cycle carries no
ADIR at all, which does not mean the over-current ended: inside a burst, what
only the short frames say must be taken from them, not from the long frame.
"""

from __future__ import annotations

#: How long after a short frame a long frame is taken to be part of the same burst:
#: a cycle of 20 short frames (about 0.7 s each) and one long frame lasts about 15 s,
#: and the long frame follows the last short one at once.
BURST_HOLD_S = 10.0

#: The Reading fields only the short frames speak for during a burst (ADIR1-3 and,
#: from their presence, the reference power being exceeded).
BURST_FIELDS = ("overcurrent_warning_a", "reference_power_exceeded")


def in_burst(short_frame: bool, last_short_at: float, now: float) -> bool:
    """Whether a frame received at ``now`` is a long frame inside an over-current burst.

    Its ``BURST_FIELDS`` then say nothing: the values from the short frames around it hold.
    """
    return not short_frame and now - last_short_at <= BURST_HOLD_S
