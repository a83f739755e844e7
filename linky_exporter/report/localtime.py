"""The meter's local time (Europe/Paris): days, months, half-hours, and the Tempo day.

Prometheus stores Unix seconds; bills count in French legal time. Paris is offset
from UTC by whole hours, so a local half-hour (or minute) boundary is a UTC one, and a
grid of boundaries can be built on Unix seconds directly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
HALF_HOUR_S = 1800
TEMPO_DAY_START_H = 6  # a Tempo day runs 06:00 - 06:00
STANDARD_POWERS_KVA = (3, 6, 9, 12, 15, 18, 24, 30, 36)


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, PARIS)


def midnight(day: date) -> int:
    """Unix seconds of local midnight starting ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=PARIS).timestamp())


def day_of(ts: float) -> date:
    return local(ts).date()


def month_of(ts: float) -> str:
    return local(ts).strftime("%Y-%m")


def tempo_day_of(ts: float) -> date:
    """The Tempo day an instant belongs to: before 06:00 it is still the day before's."""
    moment = local(ts)
    return moment.date() - timedelta(days=1) if moment.hour < TEMPO_DAY_START_H else moment.date()


def minute_of_day(ts: float) -> int:
    moment = local(ts)
    return moment.hour * 60 + moment.minute


def day_lengths(start: int, end: int) -> float:
    """Days between two instants counted as a bill counts them: each local day overlapped
    counts for the share of its own length (23, 24 or 25 h) that lies inside."""
    total = 0.0
    day = day_of(start)
    while True:
        begin, finish = midnight(day), midnight(day + timedelta(days=1))
        if begin >= end:
            return total
        overlap = min(end, finish) - max(start, begin)
        if overlap > 0:
            total += overlap / (finish - begin)
        day += timedelta(days=1)


def isoformat(ts: float) -> str:
    return local(ts).isoformat(timespec="seconds")


def grid(start: int, end: int, minutes_of_hour: frozenset[int]) -> list[int]:
    """Every instant in [start, end] whose minute of the hour is in ``minutes_of_hour``
    (Unix seconds; ``start`` and ``end`` whole minutes): the ledger's slot edges."""
    out = set()
    first_hour = start - start % 3600
    for minute in minutes_of_hour:
        t = first_hour + minute * 60
        while t <= end:
            if t >= start:
                out.add(t)
            t += 3600
    return sorted(out | {start, end})
