"""Which days are Tempo blue/white/red and which are EJP mobile-peak days.

Both are drawn once per Tempo/EJP year from the seed, with the real rules'
shape: a Tempo year (1 September - 31 August) has 22 red days, only on weekdays
from November to March, and 43 white days, never on Sundays; an EJP winter
(1 November - 31 March) has 22 mobile-peak days, here on weekdays. Scenarios can
force one day (a red day, an EJP day) on top of the drawn calendar.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ..tic.stge import TempoColor

#: STGE's two-bit Tempo colour code (docs/protocol.md §7) is the colour's place
#: in the decoder's TempoColor (0: none, not announced); the simulator counts in codes.
TEMPO_CODES = {colour: code for code, colour in enumerate(TempoColor)}
BLUE, WHITE, RED = TEMPO_CODES[TempoColor.BLUE], TEMPO_CODES[TempoColor.WHITE], TEMPO_CODES[TempoColor.RED]
RED_DAYS, WHITE_DAYS, EJP_DAYS = 22, 43, 22


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _winter(year: int) -> list[date]:
    """1 November ``year`` to 31 March ``year + 1``."""
    return _days(date(year, 11, 1), date(year + 1, 3, 31))


class TempoCalendar:
    def __init__(self, seed: int, forced_red: date | None = None):
        self.seed = seed
        self.forced_red = forced_red
        self._years: dict[int, dict[date, int]] = {}

    def colour(self, day: date) -> int:
        if day == self.forced_red:
            return RED
        year = day.year if day.month >= 9 else day.year - 1
        colours = self._years.get(year)
        if colours is None:
            colours = self._years[year] = self._draw(year)
        return colours.get(day, BLUE)

    def _draw(self, year: int) -> dict[date, int]:
        rng = random.Random(self.seed * 1_000_003 + year)
        reds = rng.sample([d for d in _winter(year) if d.weekday() < 5], RED_DAYS)
        whites_from = [
            d for d in _days(date(year, 10, 1), date(year + 1, 5, 31)) if d.weekday() != 6 and d not in set(reds)
        ]
        whites = rng.sample(whites_from, WHITE_DAYS)
        colours = dict.fromkeys(whites, WHITE)
        colours.update(dict.fromkeys(reds, RED))
        return colours


class EjpCalendar:
    def __init__(self, seed: int, forced_day: date | None = None):
        self.seed = seed
        self.forced_day = forced_day
        self._years: dict[int, frozenset[date]] = {}

    def is_peak_day(self, day: date) -> bool:
        if day == self.forced_day:
            return True
        if 4 <= day.month <= 10:
            return False
        year = day.year if day.month >= 11 else day.year - 1
        days = self._years.get(year)
        if days is None:
            rng = random.Random(self.seed * 1_000_033 + year)
            days = self._years[year] = frozenset(rng.sample([d for d in _winter(year) if d.weekday() < 5], EJP_DAYS))
        return day in days
