"""Energy since local midnight, from the meter's own counters, per register.

At the first frame of a day the counters' values become the day's baselines; what
a counter reads above its baseline is the day's energy. When the exporter was
already reading before midnight, the baselines are the last values of the day
before, so the day is whole ("complete"); otherwise it runs from the exporter's
first frame of the day, and says since when. Days are the meter's: Europe/Paris
legal time, 23 or 25 hours long at a change of season. A day counts as whole only
if a frame came in the last ``CROSSING_S`` before midnight: after an outage across
it, the energy of the hours before midnight would be counted in the new day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import MappingProxyType

from ..metrics.samples import SampleKey
from ..tic.horodate import PARIS


@dataclass(frozen=True)
class Today:
    """The day's energy as a scrape reads it (immutable)."""

    day: str  # ISO date of the local day, "" before the first frame
    since: float | None  # unix time from which the energies run: local midnight when complete
    complete: bool  # the exporter read the meter across the day's start
    energy: Mapping[SampleKey, float] = field(default_factory=lambda: MappingProxyType({}))  # register -> its unit since `since`


NOTHING = Today("", None, False)
CROSSING_S = 120.0


class TodayEnergy:
    def __init__(self, registers: frozenset[str]) -> None:
        self._registers = registers  # the metric names counted (cumulative energy counters)
        self._day = ""
        self._since: float | None = None
        self._complete = False
        self._baselines: dict[SampleKey, float] = {}
        self._last: dict[SampleKey, float] = {}  # each register's latest value, for the next day's baseline
        self._last_at = float("-inf")
        self._day_starts = self._day_ends = 0.0  # the unix times of the local day's two midnights

    def update(self, now: float, samples: Mapping[SampleKey, float]) -> None:
        """A frame's fresh samples (the energy registers' at least), read at ``now``."""
        if not self._day_starts <= now < self._day_ends:  # the local date is worked out once a day
            local = datetime.fromtimestamp(now, PARIS)
            day = local.date().isoformat()
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
            following = datetime.combine(local.date() + timedelta(days=1), time(), PARIS).timestamp()
            self._day_starts, self._day_ends = midnight, following
            if day != self._day:
                crossed = bool(self._day) and bool(self._last) and self._last_at >= midnight - CROSSING_S
                self._day, self._since, self._complete = day, (midnight if crossed else now), crossed
                self._baselines = dict(self._last) if crossed else {}
        for key, value in samples.items():
            if key[0] in self._registers:
                self._baselines.setdefault(key, value)
                self._last[key] = value
        self._last_at = now

    def today(self) -> Today:
        if not self._day:
            return NOTHING
        energy = {key: self._last[key] - base for key, base in self._baselines.items() if key in self._last}
        return Today(self._day, self._since, self._complete, MappingProxyType(energy))
