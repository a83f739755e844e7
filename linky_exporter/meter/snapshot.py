"""What a scrape reads of a meter: an immutable copy of its state, replaced after each change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter

from ..metrics.samples import SampleKey
from ..tic.framing import FrameResult
from .counters import GROUP_ERRORS
from .today import NOTHING, Today

Seen = tuple[float, float]  # (value, wall time last read)


@dataclass(frozen=True)
class Readout:
    """What a person glances at first (the landing page), as values rather than metric keys."""

    apparent_power_va: Seen | None = None  # drawn (import)
    active_power_w: Seen | None = None  # drawn, estimated (docs/active-power.md)


@dataclass(frozen=True)
class Snapshot:
    version: int  # grows with every publication (an object's id() can be reused)
    meter: str
    simulated: bool
    stale_after: float
    samples: Mapping[SampleKey, Seen]  # key -> (value, wall time last read)
    identity: Mapping[str, str]
    tariff_names: Mapping[tuple[str, str], str]  # (register, index) -> name
    frames: Mapping[str, int]
    groups: Mapping[str, int]
    mode_detections: Mapping[str, int]
    bytes: int
    reconnects: int
    connected: bool
    last_frame_at: float | None
    readout: Readout = Readout()
    today: Today = NOTHING  # energy since local midnight (today.py)

    def up(self, now: float) -> bool:
        return self.last_frame_at is not None and now - self.last_frame_at <= self.stale_after

    def next_change(self, now: float) -> float:
        """When what this snapshot exposes changes without a new snapshot: the next staleness."""
        if not self.up(now):
            return float("inf")
        return self._expiry(now - self.stale_after)[0]

    def fresh_samples(self, now: float) -> dict[SampleKey, float]:
        """Measurements to expose now: none at all while the meter is down."""
        if not self.up(now):
            return {}
        limit = now - self.stale_after
        return {key: value for key, (value, seen) in self.samples.items() if seen >= limit}

    def fresh_measurements(self, now: float) -> tuple[tuple[SampleKey, ...], list[float], float]:
        """``fresh_samples`` as keys and values, and ``next_change``, at once. Usually no
        value is stale: then they are taken in C loops (the renderer's path at each
        scrape), not filtered one by one."""
        if not self.up(now):
            return (), [], float("inf")
        until, all_fresh = self._expiry(now - self.stale_after)
        samples = self.samples
        if all_fresh:
            return tuple(samples), list(map(itemgetter(0), samples.values())), until
        fresh = self.fresh_samples(now)
        return tuple(fresh), list(fresh.values()), until

    def _expiry(self, limit: float) -> tuple[float, bool]:
        """``next_change`` for the staleness limit ``limit``, and whether every measurement
        was read at ``limit`` or later. Usually none is stale: the oldest is then found in C,
        at each scrape for every meter."""
        samples = self.samples
        oldest = min(map(itemgetter(1), samples.values()), default=float("inf"))
        all_fresh = oldest >= limit
        if not all_fresh:
            oldest = min((seen for _, seen in samples.values() if seen >= limit), default=float("inf"))
        return min(self.last_frame_at, oldest) + self.stale_after, all_fresh  # type: ignore[operator]

    def fresh(self, seen: Seen | None, now: float) -> float | None:
        """A readout value if it is still fresh now, with the same rule as the samples."""
        if seen is None or not self.up(now) or seen[1] < now - self.stale_after:
            return None
        return seen[0]

    @property
    def valid_frames(self) -> int:
        return self.frames.get(FrameResult.VALID.value, 0)

    @property
    def group_errors(self) -> int:
        """Groups lost or refused: bad checksum, malformed, or a value refused."""
        return sum(self.groups.get(result, 0) for result in GROUP_ERRORS)
