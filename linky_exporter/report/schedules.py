"""Off-peak schedules as people write them (``22:00-06:00``, ``02:00-07:00,13:00-16:00``).

A schedule is a set of minute ranges of the local day, any of which may wrap midnight.
Enedis sets off-peak hours at the minute (``23:06-07:06`` exists), so the report splits
consumption at every edge a schedule has, on top of the half-hour grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    ranges: tuple[tuple[int, int], ...]  # (start minute, end minute) of the local day; may wrap

    def __contains__(self, minute: int) -> bool:
        minute %= 1440
        return any((a <= minute < b) if a < b else (minute >= a or minute < b) for a, b in self.ranges)

    @property
    def edges(self) -> frozenset[int]:
        """Minutes of the day at which the schedule changes."""
        return frozenset(m for pair in self.ranges for m in pair)

    def __str__(self) -> str:
        return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in self.ranges)


def parse_schedule(text: str) -> Schedule:
    """``HH:MM-HH:MM[,HH:MM-HH:MM...]`` -> Schedule; ValueError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected off-peak hours such as 22:00-06:00, got {text!r}")
    ranges = []
    for part in text.replace(" ", "").split(","):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(f"{part!r} is not HH:MM-HH:MM (e.g. 22:00-06:00 or 02:00-07:00,13:00-16:00)")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ValueError(f"{part!r} is not a time of day")
        start, end = h1 * 60 + m1, (h2 * 60 + m2) % 1440
        if start == end:
            raise ValueError(f"{part!r} is empty")
        ranges.append((start, end))
    schedule = Schedule(tuple(ranges))
    covered = sum(1 for minute in range(1440) if minute in schedule)
    if covered != sum((b - a) % 1440 for a, b in ranges):
        raise ValueError(f"{text!r}: the ranges overlap")
    return schedule
