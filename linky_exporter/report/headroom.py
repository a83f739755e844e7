"""Subscribed-power headroom: how close the daily peaks came to the subscribed power, and
whether a lower standard power would have held.

Two sources, both the meter's apparent power (VA, what its breaker compares with the
cut-off):

* the **daily peak**: the meter's own maximum of the day (standard SMAXSN / SMAXSN-1,
  historique PMAX, which misses nothing between frames), or the largest sample of the
  day where the meter does not send one;
* the **minutes above**: per minute, the largest sample the store holds (one every scrape
  interval); a minute counts for a power when a sample in it exceeded that power's
  cut-off. A peak shorter than the scrape interval can fall between two samples: the
  minutes are a floor, the daily peaks are not.

A standard power's cut-off is taken equal to the power (PCOUP = PREF, as Enedis sets
residential meters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .localtime import STANDARD_POWERS_KVA

#: Bands of the daily peak as a share of the subscribed power.
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0), (1.0, float("inf")))


@dataclass(frozen=True)
class PowerRow:
    kva: int
    days_above: int  # days whose peak exceeded its cut-off
    minutes_above: int  # minutes with a sample above its cut-off
    subscription_per_year: float | None  # euros, at the current contract's prices


@dataclass(frozen=True)
class Headroom:
    subscribed_kva: int | None
    cutoff_va: float | None
    days: int  # days with a peak
    peak_va: float | None
    peak_day: date | None
    median_peak_va: float | None
    p90_peak_va: float | None
    bands: tuple[tuple[str, int], ...]  # ("50-70 %", days)
    powers: tuple[PowerRow, ...]  # every standard power up to the subscribed one
    smallest_safe_kva: int | None  # the smallest standard power never exceeded
    yearly_saving: float | None  # euros a year saved by subscribing smallest_safe_kva (negative: it costs more)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _band_name(low: float, high: float) -> str:
    if high == float("inf"):
        return f"over {low:.0%}"
    return f"{low:.0%}-{high:.0%}" if low else f"under {high:.0%}"


def headroom(daily_peaks: Mapping[date, float], minute_peaks: Mapping[int, float], subscribed_kva: int | None,
             cutoff_va: float | None, subscription_per_day: Mapping[int, float] | None) -> Headroom:
    """``minute_peaks``: minute end (Unix s) -> the largest sample in it, for the minutes above 3 kVA at least."""
    peaks = [va for va in daily_peaks.values()]
    top_day = max(daily_peaks, key=daily_peaks.get) if daily_peaks else None
    bands: list[tuple[str, int]] = []
    if subscribed_kva and peaks:
        reference = subscribed_kva * 1000
        bands = [(_band_name(low, high), sum(1 for va in peaks if low <= va / reference < high)) for low, high in BANDS]
    considered = [kva for kva in STANDARD_POWERS_KVA if subscribed_kva is None or kva <= subscribed_kva]
    per_year = {kva: price * 365 for kva, price in (subscription_per_day or {}).items()}
    rows = tuple(
        PowerRow(kva, sum(1 for va in peaks if va > kva * 1000),
                 sum(1 for va in minute_peaks.values() if va > kva * 1000), per_year.get(kva))
        for kva in considered
    )
    highest = max([*peaks, *minute_peaks.values()], default=None)
    safe = next((kva for kva in STANDARD_POWERS_KVA if highest is not None and highest <= kva * 1000), None)
    saving = None
    if safe is not None and subscribed_kva in per_year and safe in per_year:
        saving = per_year[subscribed_kva] - per_year[safe]
    return Headroom(
        subscribed_kva, cutoff_va, len(peaks), max(peaks, default=None), top_day,
        _percentile(peaks, 0.5) if peaks else None, _percentile(peaks, 0.9) if peaks else None,
        tuple(bands), rows, safe, saving,
    )  # fmt: skip
