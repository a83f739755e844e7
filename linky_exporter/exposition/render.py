"""The meters' part of /metrics, rendered without prometheus_client's per-sample work.

prometheus_client renders a family sample by sample: it builds a labels dict,
sorts it, checks and escapes every label name character by character, and
formats the value. At 64 meters that is 4,000 samples and 110–140 ms of
OpenMetrics on the 2-core machine for every scrape (docs/performance.md), since
some meter has always sent a frame since the last one. Here the same text comes
from two caches:

- each series' line up to its value (``name{labels} ``) is built once, through
  prometheus_client's own family classes (so names, the stateset's and info's
  labels and their order are theirs), and reused for as long as the process
  lives: a meter's series are the same from one frame to the next;
- each meter's lines, by family, are kept with its snapshot and reused until
  the snapshot is replaced or one of its values goes stale
  (``Snapshot.next_change``), so a frame of one meter renders that meter only;
  and then only the series whose value changed (a tenth of them in a frame)
  are written again, found by comparing the meter's values with those of the
  last rendering item by item, in C loops (the same series in the same order,
  as from most frames to the next) or by key (series came or went);
- each family's text is kept as one slot a meter, joined again only when one
  of its slots changed;
- while scrapes come at most PRERENDER_INTERVAL_S apart, the reading loop
  brings the meters' slots up to date after the reads of each of its wake-ups
  (``refresh``), so a scrape finds them rendered: each of those frames would be
  rendered by a scrape anyway, and rendered when it comes it is out of the
  scrape's wait (kube-state-metrics keeps its objects' text rendered in the
  same way). Farther apart, a scrape renders what changed since the last one.

The text is the one prometheus_client writes, byte for byte, in both formats
(tests/unit/test_render.py compares them): every metric and label name of the
catalogue is a legacy Prometheus name, which no escaping scheme changes, so the
Accept header's escaping does not matter here; label values are escaped as
prometheus_client does (backslash, newline, double quote).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from math import copysign
from operator import ne, or_
from typing import TYPE_CHECKING

from prometheus_client.utils import floatToGoString

from ..meter import MeterState, Snapshot
from ..metrics.catalogue import METRICS, Kind, MetricSpec
from ..metrics.samples import SampleKey
from .collector import LinkyCollector, _family, _http_samples, build_info_samples, own_samples

if TYPE_CHECKING:
    from ..config.settings import Prices

_STATESETS = frozenset(spec.name for spec in METRICS.values() if spec.kind is Kind.STATESET)
_INFOS = frozenset(spec.name for spec in METRICS.values() if spec.kind is Kind.INFO)
_Rows = dict[str, list[tuple[tuple[str, ...], float]]]

#: Scrapes at most this far apart have the meters rendered as their frames come
#: (``refresh``). A meter sends a frame every 1 to 3 s: scraped that often, rendering
#: each frame when it comes costs what the scrapes would spend on it; scraped every
#: 15 s, it would render 15 frames for one scrape.
PRERENDER_INTERVAL_S = 2.0


class MeterRenderer:
    """The text of ``collector``'s families (no ``# EOF``: what follows is the caller's)."""

    def __init__(self, collector: LinkyCollector, monotonic: Callable[[], float] = time.monotonic):
        self.collector = collector
        self.monotonic = monotonic  # when scrapes come (refresh)
        self._prefixes: dict[tuple[str, tuple[str, ...]], str] = {}
        self._headers: dict[str, tuple[str, str]] = {}  # name -> (text format, OpenMetrics)
        self._meters: dict[int, _MeterText] = {}  # by the meter's index in the collector
        # Each family's text, one slot a meter (in the collector's order, "" where the
        # meter has none), and its slots joined while none of them changes: at 64 meters,
        # gathering each family's parts from every meter at each scrape was a fifth of it.
        self._slots: dict[str, list[str]] = {}
        self._joined: dict[str, str] = {}
        self._lock = threading.Lock()
        self._rendered_at = (float("-inf"), float("-inf"))  # the last two renderings (time.monotonic())

    def render(self, openmetrics: bool) -> str:
        # The caches are updated in place: two scrapes rendering at once (different
        # Accept headers), or a scrape and the reading loop's refresh, take turns, as
        # they would for the GIL anyway.
        with self._lock:
            self._rendered_at = (self._rendered_at[1], self.monotonic())
            return self._render(openmetrics)

    def refresh(self) -> None:
        """Bring each meter's text up to date with its snapshot, while scrapes come often
        (the reading loop calls this after each wake-up's reads; otherwise it costs a clock
        read). After each read instead, it cost 1.03-1.11x the CPU at 64 meters and the
        scrapes' p99 did not fall further."""
        before_last, last = self._rendered_at
        if self.monotonic() - last > PRERENDER_INTERVAL_S or last - before_last > PRERENDER_INTERVAL_S:
            return
        with self._lock:
            self._update_meters(self.collector.clock())

    def _update_meters(self, now: float) -> None:
        collector = self.collector
        meters = collector.meters
        if len(self._meters) > len(meters):  # fewer meters than last time: start afresh
            self._meters.clear()
            self._slots.clear()
            self._joined.clear()
        for i, state in enumerate(meters):
            self._meter_lines(i, state, now, collector.prices)

    def _render(self, openmetrics: bool) -> str:
        collector = self.collector
        self._update_meters(collector.clock())
        rows: _Rows = {}
        rows.update(build_info_samples())
        if collector.http is not None:
            _http_samples(collector.http, rows)
        others = {name: self._lines(METRICS[name], family_rows) for name, family_rows in rows.items()}
        out: list[str] = []
        which = 1 if openmetrics else 0
        slots, joined = self._slots, self._joined
        for name, spec in METRICS.items():
            text = joined.get(name)
            if text is None and name in slots:
                text = joined[name] = "".join(slots[name])
            other = others.get(name)
            if text or other:
                out.append(self._header(spec)[which])
                if text:
                    out.append(text)
                if other:
                    out.append(other)
        return "".join(out)

    def _set_slot(self, name: str, index: int, text: str) -> None:
        """Meter ``index``'s text of family ``name`` becomes ``text``."""
        slots = self._slots.get(name)
        if slots is None:
            slots = self._slots[name] = []
        if len(slots) <= index:
            slots.extend([""] * (index + 1 - len(slots)))
        slots[index] = text
        self._joined.pop(name, None)

    def _meter_lines(self, index: int, state: MeterState, now: float, prices: Mapping[str, Prices]) -> None:
        """Bring meter ``index``'s slots up to date with its snapshot."""
        snap = state.snapshot
        cached = self._meters.get(index)
        if cached is not None and cached.snapshot is snap and now < cached.valid_until:
            return
        if cached is None:
            cached = self._meters[index] = _MeterText()
        keys, values, valid_until = snap.fresh_measurements(now)
        own = own_samples(snap, now, prices.get(snap.meter))  # after the measurements, as in meter_samples
        keys += tuple(own)
        values += own.values()
        # What changed since the last rendering: a frame changes a tenth of a meter's 60
        # series, and a per-series loop was most of a scrape's CPU at 64 meters. 0.0 ==
        # -0.0, but they are written apart, so a value's sign is compared too.
        signs = list(map(copysign, repeat(1.0, len(values)), values))
        removed: list[SampleKey] = []
        if keys == cached.keys:
            # The same series in the same order (most frames): compared in C, item by item.
            mask = map(or_, map(ne, values, cached.values), map(ne, signs, cached.signs))
            changed = list(compress(zip(keys, values), mask))
        else:
            old = dict(zip(cached.keys, zip(cached.values, cached.signs)))
            changed = [(key, value) for key, value, sign in zip(keys, values, signs) if old.get(key) != (value, sign)]
            present = set(keys)
            removed = [key for key in cached.keys if key not in present]
        cached.keys, cached.values, cached.signs = keys, values, signs
        meter, lines, prefixes = snap.meter, cached.lines, self._prefixes
        touched = {key[0] for key in removed}
        reorder: set[str] = set()
        for key in removed:
            del lines[key[0]][key]
        for key, value in changed:
            name = key[0]
            touched.add(name)
            family = lines.get(name)
            if family is None:
                family = lines[name] = {}
            if key not in family:
                reorder.add(name)  # a new series: in the samples' order, as prometheus_client writes them
            if name in _STATESETS:
                family[key] = ""  # the family is written whole below
                continue
            labels = (meter, *key[1])
            prefix = prefixes.get((name, labels))
            if prefix is None:
                prefix = prefixes[(name, labels)] = _prefix(METRICS[name], labels)
            family[key] = prefix + _value(name, value)
        for name in reorder:
            family = lines[name]
            lines[name] = {key: family[key] for key in keys if key[0] == name}
        for name in touched:
            family = lines[name]
            if not family:
                del lines[name]
                self._set_slot(name, index, "")
            elif name in _STATESETS:
                samples = dict(zip(keys, values))
                self._set_slot(name, index, self._lines(METRICS[name], [((meter, *key[1]), samples[key]) for key in family]))
            else:
                self._set_slot(name, index, "".join(family.values()))
        cached.snapshot, cached.valid_until = snap, valid_until

    def _lines(self, spec: MetricSpec, rows: Sequence[tuple[tuple[str, ...], float]]) -> str:
        prefixes = self._prefixes
        name = spec.name
        kind = spec.kind
        if kind is Kind.STATESET:
            # prometheus_client groups a stateset's states by the other labels and sorts them.
            grouped: dict[tuple[str, ...], list[tuple[str, float]]] = {}
            for labels, value in rows:
                grouped.setdefault(labels[:-1], []).append((labels[-1], value))
            rows = [((*rest, state), 1.0 if value else 0.0) for rest, states in grouped.items() for state, value in sorted(states)]
        out = []
        for labels, value in rows:
            prefix = prefixes.get((name, labels))
            if prefix is None:
                prefix = prefixes[(name, labels)] = _prefix(spec, labels)
            out.append(prefix + ("1.0" if kind is Kind.INFO else floatToGoString(value)) + "\n")
        return "".join(out)

    def _header(self, spec: MetricSpec) -> tuple[str, str]:
        header = self._headers.get(spec.name)
        if header is None:
            header = self._headers[spec.name] = _header(spec)
        return header


class _MeterText:
    """A meter's part of /metrics, as last rendered: kept until the snapshot is replaced or a value goes stale."""

    __slots__ = ("snapshot", "valid_until", "keys", "values", "signs", "lines")

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.valid_until = float("-inf")
        # The samples rendered: their keys, values and the values' signs (1.0 or -1.0).
        self.keys: tuple[SampleKey, ...] = ()
        self.values: list[float] = []
        self.signs: list[float] = []
        self.lines: dict[str, dict[tuple[str, tuple[str, ...]], str]] = {}  # by family, each series' line


def _value(name: str, value: float) -> str:
    return ("1.0" if name in _INFOS else floatToGoString(value)) + "\n"


def _prefix(spec: MetricSpec, labels: tuple[str, ...]) -> str:
    """``name{label="value",...} `` as prometheus_client writes the series (labels sorted by name)."""
    (sample, *_) = _family(spec, [(labels, 1.0)]).samples
    if not sample.labels:
        return f"{sample.name} "
    pairs = ",".join(f'{key}="{_escape(value)}"' for key, value in sorted(sample.labels.items()))
    return f"{sample.name}{{{pairs}}} "


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _header(spec: MetricSpec) -> tuple[str, str]:
    """The family's HELP and TYPE lines in the text format (names and types munged as
    prometheus_client does), then HELP, TYPE and UNIT in OpenMetrics."""
    family = _family(spec, [])
    name, kind = family.name, family.type
    if kind == "counter":
        text_name, text_kind = name + "_total", kind
    elif kind == "info":
        text_name, text_kind = name + "_info", "gauge"
    elif kind == "stateset":
        text_name, text_kind = name, "gauge"
    else:
        text_name, text_kind = name, kind
    help_text = family.documentation.replace("\\", r"\\").replace("\n", r"\n")
    text = f"# HELP {text_name} {help_text}\n# TYPE {text_name} {text_kind}\n"
    openmetrics = f"# HELP {name} {_escape(family.documentation)}\n# TYPE {name} {kind}\n"
    if family.unit:
        openmetrics += f"# UNIT {name} {family.unit}\n"
    return text, openmetrics

