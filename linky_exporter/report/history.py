"""What the report asks the store for one meter, and what it gets back (MeterHistory).

Every query selects the meter's series by its ``meter`` label plus the user's extra
matchers (``--match``), and reads only what the exporter writes (docs/metrics.md):

* the supplier-index and exported registers at every slot edge (``last_over_time`` over
  the gap threshold, so that an edge inside a gap has no reading);
* how many samples of the total register each half-hour holds (the scrape interval, and
  where gaps may be), then the raw samples around those places (gaps.py);
* each hour's tariff option (the meter's contract over time), largest apparent power and
  daily maxima (the meter's own, today and yesterday);
* each minute whose largest apparent power exceeded 3 kVA (the lowest standard power);
* the index names, the subscribed and cut-off powers on the last day with data.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from .gaps import Gap, find_gaps, scrape_interval, suspicious_windows, threshold
from .ledger import SeriesReadings
from .localtime import HALF_HOUR_S, STANDARD_POWERS_KVA, day_of, grid, midnight
from .prometheus_api import PrometheusApi, Series

TOTAL = "linky_energy_imported_joules_total"
BY_INDEX = "linky_energy_imported_by_index_joules_total"
EXPORTED = "linky_energy_exported_joules_total"
APPARENT = "linky_apparent_power_volt_amperes"
APPARENT_MAX = "linky_apparent_power_max_volt_amperes"
JOULES_PER_WH = 3600.0
HOUR = 3600


def window(seconds: int) -> str:
    """A range selector's duration covering (t - seconds, t]: one millisecond short, since Prometheus 2
    includes both ends of a range (a sample on the edge would count in two windows), and
    timestamps are whole milliseconds."""
    return f"[{seconds * 1000 - 1}ms]"
LOWEST_CUTOFF_VA = STANDARD_POWERS_KVA[0] * 1000


class HistoryError(Exception):
    """The store holds nothing usable for this meter, or holds it ambiguously: one line."""


@dataclass
class MeterHistory:
    meter: str
    start: int  # the period asked (local midnights), Unix seconds
    end: int
    edges: list[int]
    imported: list[SeriesReadings]
    exported: list[SeriesReadings]
    gaps: list[Gap]
    interval: float  # seconds between samples, estimated
    options: dict[int, str]  # hour end (Unix s) -> the meter's tariff option during that hour
    index_names: dict[int, str]
    serials: list[str]
    hourly_peaks: dict[str, dict[int, float]]  # "today" | "yesterday" | "samples" -> hour end -> VA
    minute_peaks: dict[int, float]  # minute end -> largest VA sample, for minutes above 3 kVA
    reference_va: float | None
    cutoff_va: float | None
    producer: bool = False
    queries: int = 0
    query_seconds: float = 0.0  # the store's answers, summed (requests run four at a time)
    fetch_seconds: float = 0.0  # from the first request to the last answer
    notes: list[str] = field(default_factory=list)

    def daily_peaks(self) -> dict[date, float]:
        """Each local day's largest apparent power: the meter's maximum of the day when it sends
        one (read the next day as 'yesterday', which misses nothing), else its samples'."""
        out: dict[date, float] = {}
        for kind, hours in self.hourly_peaks.items():
            for hour_end, va in hours.items():
                day = day_of(hour_end - 1)
                if kind != "samples" and hour_end == midnight(day) + HOUR:
                    continue  # the first scrapes after midnight may still show the frame before it: the day before's
                if kind == "yesterday":
                    day -= timedelta(days=1)
                if self.start <= midnight(day) < self.end:
                    out[day] = max(out.get(day, 0.0), va)
        return out


def selector(metric: str, meter: str, match: str, **labels: str) -> str:
    matchers = [f'meter="{_escape(meter)}"', *(f'{k}="{_escape(v)}"' for k, v in labels.items())]
    if match:
        matchers.append(match)
    return f"{metric}{{{','.join(matchers)}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def meters(api: PrometheusApi, match: str, start: int, end: int) -> list[str]:
    expr = f"{TOTAL}{{{match}}}" if match else TOTAL
    return api.label_values("meter", expr, start, end)


def fetch(api: PrometheusApi, meter: str, match: str, start: int, end: int, minutes: frozenset[int]) -> MeterHistory:
    sel = lambda metric, **labels: selector(metric, meter, match, **labels)  # noqa: E731
    requests, seconds, started = api.requests, api.seconds, time.monotonic()

    # 1. samples per half-hour: the scrape interval, where data begins and ends, where gaps may be
    half_hours = list(range(start + HALF_HOUR_S, end + 1, HALF_HOUR_S))
    counted = api.query_range(f"count_over_time({sel(TOTAL)}{window(HALF_HOUR_S)})", half_hours[0], end, HALF_HOUR_S)
    _one_target(meter, counted)
    counts: dict[int, int] = defaultdict(int)
    for series in counted:
        for ts, value in series.points:
            counts[round(ts)] += int(value)
    present = sorted(t for t, c in counts.items() if c)
    if not present:
        raise HistoryError(f"meter {meter!r}: the store holds no {TOTAL} between "
                           f"{day_of(start)} and {day_of(end)}")
    interval = scrape_interval(counts)
    limit = int(threshold(interval))

    # 2. gaps, from the raw samples around the half-hours that lack some
    windows = suspicious_windows(half_hours, counts)
    raw = api.parallel(lambda w: api.query(f"{sel(TOTAL)}[{w[1] - w[0]}s]", w[1]), windows)
    samples: dict[str, set[tuple[float, float]]] = defaultdict(set)
    for answer in raw:
        for series in answer:
            samples[series.labels.get("serial", "")].update((t, v / JOULES_PER_WH) for t, v in series.points)
    gaps = [g for g in find_gaps(samples, limit) if g.end > start and g.start < end]

    # 3. registers at every edge
    edges = grid(start, end, minutes)
    imported = _readings(api, BY_INDEX, sel(BY_INDEX, register="supplier"), edges, limit, "index")
    exported = _readings(api, EXPORTED, sel(EXPORTED), edges, limit, None)

    # 4. hourly: tariff option, peaks
    hours_end = end + 86400  # "yesterday" of the last day is read the day after
    info = api.query_range(f"max by (tariff_option) (last_over_time({sel('linky_meter_info')}{window(HOUR)}))",
                           start + HOUR, end, HOUR)
    options: dict[int, str] = {}
    for series in info:
        for ts, _ in series.points:
            options[round(ts)] = series.labels.get("tariff_option", "")
    peak_queries = {
        "today": f'max_over_time({sel(APPARENT_MAX, direction="import", day="today")}{window(HOUR)})',
        "yesterday": f'last_over_time({sel(APPARENT_MAX, direction="import", day="yesterday")}{window(HOUR)})',
        "samples": f'max_over_time({sel(APPARENT, direction="import")}{window(HOUR)})',
    }
    answers = api.parallel(lambda expr: api.query_range(f"max({expr})", start + HOUR, hours_end, HOUR),
                           list(peak_queries.values()))
    hourly = {kind: {round(t): v for s in answer for t, v in s.points} for kind, answer in zip(peak_queries, answers)}

    # 5. minutes above the lowest standard power
    above = api.query_range(f'max(max_over_time({sel(APPARENT, direction="import")}{window(60)})) > {LOWEST_CUTOFF_VA}',
                            start + 60, end, 60)
    minute_peaks = {round(t): v for s in above for t, v in s.points}

    # 6. on the last day with data: names (the exporter keeps serving every name it learnt), the
    # subscribed and cut-off powers
    last = present[-1]
    span = window(86400)
    names = {}
    for series in api.query(f'last_over_time({sel("linky_tariff_index_info", register="supplier")}{span})', last):
        if series.labels.get("index", "").isdigit():
            names[int(series.labels["index"])] = series.labels.get("name", "")
    serials = sorted({s.labels.get("serial", "") for s in counted} - {""})
    reference = _last(api, f"last_over_time({sel('linky_reference_power_volt_amperes')}{span})", last)
    cutoff = _last(api, f"last_over_time({sel('linky_cutoff_power_volt_amperes')}{span})", last)
    return MeterHistory(
        meter, start, end, edges, imported, exported, gaps, interval, options, names, serials, hourly, minute_peaks, reference, cutoff, producer=bool(exported),
        queries=api.requests - requests, query_seconds=api.seconds - seconds,
        fetch_seconds=time.monotonic() - started,
    )  # fmt: skip


def _one_target(meter: str, series: list[Series]) -> None:
    targets = {(s.labels.get("job", ""), s.labels.get("instance", "")) for s in series}
    if len(targets) > 1:
        listed = ", ".join(f"{job}/{instance}" for job, instance in sorted(targets))
        raise HistoryError(f"meter {meter!r} is served by several targets ({listed}): "
                           "choose one with --match 'instance=\"HOST:PORT\"'")


def _last(api: PrometheusApi, expr: str, at: int) -> float | None:
    values = [v for s in api.query(expr, at) for _, v in s.points]
    return max(values) if values else None


def _readings(api: PrometheusApi, metric: str, series_selector: str, edges: list[int], limit: int,
              key_label: str | None) -> list[SeriesReadings]:
    """The registers of ``series_selector`` at every edge, per series (serial, index)."""
    expr = f"last_over_time({series_selector}[{limit}s])"
    families = _families(edges)
    answers = api.parallel(lambda f: api.query_range(expr, f[0], f[1], f[2]), families)
    values: dict[tuple, dict[int, float]] = defaultdict(dict)
    labels: dict[tuple, dict[str, str]] = {}
    wanted = set(edges)
    for answer in answers:
        for series in answer:
            key = tuple(sorted(series.labels.items()))
            labels[key] = series.labels
            for ts, value in series.points:
                if round(ts) in wanted:
                    values[key][round(ts)] = value / JOULES_PER_WH
    out = []
    for key, by_edge in values.items():
        series_labels = labels[key]
        index = int(series_labels.get(key_label, "0")) if key_label else 0
        if key_label and not series_labels.get(key_label, "").isdigit():
            continue
        out.append(SeriesReadings(index, by_edge, *_ends(api, metric, series_labels, by_edge, edges)))
    return out


def _families(edges: list[int]) -> list[tuple[int, int, int]]:
    """(start, end, step) range queries that together evaluate at every edge: the half-hours,
    then one hourly query per other minute of the hour."""
    minutes = sorted({(t // 60) % 60 for t in edges})
    out = []
    if 0 in minutes and 30 in minutes:
        aligned = [t for t in edges if t % HALF_HOUR_S == 0]
        out.append((aligned[0], aligned[-1], HALF_HOUR_S))
        minutes = [m for m in minutes if m not in (0, 30)]
    for minute in minutes:
        own = [t for t in edges if (t // 60) % 60 == minute]
        out.append((own[0], own[-1], HOUR))
    return out


def _ends(api: PrometheusApi, name: str, labels: dict[str, str], by_edge: dict[int, float], edges: list[int]):
    """(first, last) of SeriesReadings: the series' own first and last samples when it begins
    or ends inside the period (a meter replaced), so that no energy of either meter is lost."""
    matchers = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    present = sorted(by_edge)
    first = last = None
    if present[0] != edges[0]:
        at = present[0]
        values = [v for s in api.query(f"min_over_time({name}{{{matchers}}}[{at - edges[0]}s])", at) for _, v in s.points]
        if values:
            first = (at, min(values) / JOULES_PER_WH)
    if present[-1] != edges[-1]:
        following = edges[edges.index(present[-1]) + 1]
        values = [v for s in api.query(f"last_over_time({name}{{{matchers}}}[{edges[-1] - present[-1]}s])", edges[-1])
                  for _, v in s.points]
        if values:
            last = (following, max(values) / JOULES_PER_WH)
    return first, last
