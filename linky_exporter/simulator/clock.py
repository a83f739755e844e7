"""Simulated time: a start instant plus line time multiplied by a speed factor.

The meter's clock is a pure function of how long the line has been sending
(``line_us``, microseconds since the simulated line started), never of the wall
clock: the same configuration gives the same bytes whether they are written as
fast as possible into a file or paced in real time into a pty. Simulated time is
kept in integer milliseconds since the Unix epoch so that energy sums are exact.

``LocalCalendar`` answers "what local date and time of day is it" for millions of
simulated seconds without building an aware datetime for each one: Europe/Paris
offsets change only on whole UTC hours, so one conversion per UTC hour is cached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class SimClock:
    """Maps line time to simulated time: ``start + line time × speed``."""

    start: datetime  # aware
    speed: float = 1.0  # simulated seconds per real (line) second

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start datetime")
        if not self.speed > 0:
            raise ValueError("speed must be positive")

    @property
    def start_ms(self) -> int:
        return round(self.start.timestamp() * 1000)

    def at_line_us(self, line_us: int) -> int:
        """Simulated epoch milliseconds after ``line_us`` microseconds of line time."""
        return self.start_ms + round(line_us * self.speed / 1000)

    def line_us_at(self, sim_ms: int) -> int:
        """The line time at which the simulated clock reaches ``sim_ms`` (the inverse of at_line_us)."""
        return math.ceil((sim_ms - self.start_ms) * 1000 / self.speed)


def local_datetime(epoch_ms: int) -> datetime:
    """Aware Europe/Paris datetime of an epoch in milliseconds."""
    return datetime.fromtimestamp(epoch_ms / 1000, PARIS)


class LocalTime(NamedTuple):
    day: date  # local calendar date
    second: int  # seconds since local midnight (0..86399; 82800..86399 twice in October)
    summer: bool  # daylight saving time in force (season letter E)


class LocalCalendar:
    """Cached epoch-second → local (date, second of day, summer) conversion."""

    def __init__(self) -> None:
        self._hours: dict[int, LocalTime] = {}

    def at(self, epoch_s: int) -> LocalTime:
        hour, rest = divmod(epoch_s, 3600)
        base = self._hours.get(hour)
        if base is None:
            moment = datetime.fromtimestamp(hour * 3600, timezone.utc).astimezone(PARIS)
            base = LocalTime(
                moment.date(),
                moment.hour * 3600 + moment.minute * 60,
                bool(moment.dst()),
            )
            if len(self._hours) > 100_000:  # years of simulation: forget the past
                self._hours.clear()
            self._hours[hour] = base
        return LocalTime(base.day, base.second + rest, base.summer)


def local_midnight_ms(day: date) -> int:
    """Epoch milliseconds of local midnight starting ``day``."""
    return round(datetime(day.year, day.month, day.day, tzinfo=PARIS).timestamp() * 1000)

