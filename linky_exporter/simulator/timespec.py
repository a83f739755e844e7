"""Instants written in a simulator URL: ``90s`` after the start, or ``2024-01-08T19:59``.

Durations follow :mod:`linky_exporter.grammar.durations`, the grammar of the exporter's flags too.

An instant is either an offset from the simulation's start (a duration) or an
absolute local date and time; it stays unresolved until the start is known,
because the start defaults to "now" when the line opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..grammar.durations import parse_nonnegative_duration
from .clock import PARIS


def parse_datetime(text: str) -> datetime:
    """An ISO date and time; naive means Europe/Paris local time. Raises ValueError."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date and time (e.g. 2024-01-08T19:59:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(PARIS)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (e.g. 2024-01-09)") from None


@dataclass(frozen=True)
class Instant:
    """A point in simulated time: an offset from the start, or an absolute datetime."""

    offset_s: float | None = None
    absolute: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> Instant:
        if "-" in text or ":" in text:  # a date, not a duration
            return cls(absolute=parse_datetime(text))
        return cls(offset_s=parse_nonnegative_duration(text))

    def resolve_ms(self, start_ms: int) -> int:
        if self.absolute is not None:
            return round(self.absolute.timestamp() * 1000)
        return start_ms + round((self.offset_s or 0.0) * 1000)
