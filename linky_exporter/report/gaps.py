"""Data gaps: stretches without a sample (exporter, network or store down), and the energy that crossed them.

The store is asked how many samples of the energy register each half-hour holds. The
usual count gives the scrape interval; a half-hour with none, or with fewer than usual,
may hold a gap, and only those are read sample by sample. A gap is a stretch between
two samples longer than ``threshold(interval)``: five minutes (Prometheus's own
lookback, after which a graph shows a hole) or three scrape intervals if that is
longer. The meter's registers went on counting meanwhile, so the energy of a gap is
the register after it minus the register before it: known exactly, but not when it
was drawn.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .localtime import HALF_HOUR_S

MIN_GAP_S = 300


@dataclass(frozen=True)
class Gap:
    start: int  # the last sample before it (Unix seconds)
    end: int  # the first sample after it
    energy_wh: float | None  # drawn across it (None: the register changed meter)

    @property
    def seconds(self) -> int:
        return self.end - self.start


def scrape_interval(counts: Mapping[int, int]) -> float:
    """Seconds between samples, from the usual number of samples per half-hour."""
    present = [count for count in counts.values() if count > 0]
    if not present:
        return float(HALF_HOUR_S)
    return HALF_HOUR_S / max(1.0, statistics.median(present))


def threshold(interval: float) -> float:
    return max(MIN_GAP_S, 3 * interval)


def suspicious_windows(slot_ends: list[int], counts: Mapping[int, int]) -> list[tuple[int, int]]:
    """(start, end] windows to read sample by sample: each run of half-hours with no sample or
    at least two fewer than usual, with one half-hour of context on either side."""
    usual = statistics.median([c for c in counts.values() if c > 0] or [0])
    runs: list[tuple[int, int]] = []
    for end in slot_ends:
        if counts.get(end, 0) == 0 or counts[end] <= usual - 2:
            if runs and runs[-1][1] == end - HALF_HOUR_S:
                runs[-1] = (runs[-1][0], end)
            else:
                runs.append((end, end))
    return [(first - 2 * HALF_HOUR_S, last + HALF_HOUR_S) for first, last in runs]


def find_gaps(samples: Mapping[str, Iterable[tuple[float, float]]], limit: float) -> list[Gap]:
    """Gaps longer than ``limit`` seconds in the samples of a register's series (series key ->
    (time, Wh)); every series counts as a sample of the meter."""
    by_series = {key: sorted(set(points)) for key, points in samples.items()}
    times = sorted({round(ts) for points in by_series.values() for ts, _ in points})
    gaps = []
    for before, after in zip(times, times[1:]):
        if after - before <= limit:
            continue
        energy = 0.0
        known = False
        for points in by_series.values():
            last = [wh for ts, wh in points if ts <= before]
            first = [wh for ts, wh in points if ts >= after]
            if last and first:
                energy += max(0.0, first[0] - last[-1])
                known = True
        gaps.append(Gap(before, after, energy if known else None))
    return gaps
