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
  are written again, found by comparing the meter's samples with those of the
  last rendering as sets.

The text is the one prometheus_client writes, byte for byte, in both formats
(tests/unit/test_render.py compares them): every metric and label name of the
catalogue is a legacy Prometheus name, which no escaping scheme changes, so the
Accept header's escaping does not matter here; label values are escaped as
prometheus_client does (backslash, newline, double quote).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from math import copysign
from typing import TYPE_CHECKING

from prometheus_client.utils import floatToGoString

from ..meter import MeterState, Snapshot
from ..metrics.catalogue import METRICS, Kind, MetricSpec
from .collector import LinkyCollector, _family, _http_samples, build_info_samples, meter_samples

if TYPE_CHECKING:
    from ..config.settings import Prices

_STATESETS = frozenset(spec.name for spec in METRICS.values() if spec.kind is Kind.STATESET)
_INFOS = frozenset(spec.name for spec in METRICS.values() if spec.kind is Kind.INFO)
_Rows = dict[str, list[tuple[tuple[str, ...], float]]]


class MeterRenderer:
    """The text of ``collector``'s families (no ``# EOF``: what follows is the caller's)."""

    def __init__(self, collector: LinkyCollector):
        self.collector = collector
        self._prefixes: dict[tuple[str, tuple[str, ...]], str] = {}
        self._headers: dict[str, tuple[str, str]] = {}  # name -> (text format, OpenMetrics)
        self._meters: dict[int, _MeterText] = {}  # by the meter's index in the collector
        self._lock = threading.Lock()

    def render(self, openmetrics: bool) -> str:
        # The caches are updated in place: two scrapes rendering at once (different
        # Accept headers) take turns, as they would for the GIL anyway.
        with self._lock:
            return self._render(openmetrics)

    def _render(self, openmetrics: bool) -> str:
        collector = self.collector
        now = collector.clock()
        fragments = [self._meter_lines(i, state, now, collector.prices) for i, state in enumerate(collector.meters)]
        rows: _Rows = {}
        rows.update(build_info_samples())
        if collector.http is not None:
            _http_samples(collector.http, rows)
        for name, family_rows in rows.items():
            fragments.append({name: self._lines(METRICS[name], family_rows)})
        out: list[str] = []
        which = 1 if openmetrics else 0
        for name, spec in METRICS.items():
            parts = [lines for fragment in fragments if (lines := fragment.get(name))]
            if parts:
                out.append(self._header(spec)[which])
                out.extend(parts)
        return "".join(out)

    def _meter_lines(self, index: int, state: MeterState, now: float, prices: Mapping[str, Prices]) -> dict[str, str]:
        snap = state.snapshot
        cached = self._meters.get(index)
        if cached is not None and cached.snapshot is snap and now < cached.valid_until:
            return cached.text
        if cached is None:
            cached = self._meters[index] = _MeterText()
        samples = meter_samples(snap, now, prices.get(snap.meter))
        # What changed since the last rendering, found by C-level set operations: a frame
        # changes a tenth of a meter's 60 series, and a per-series loop was most of a
        # scrape's CPU at 64 meters. 0.0 == -0.0, but they are written apart: a zero whose
        # sign changed is rewritten too.
        changed = samples.items() - cached.values.items()
        negative_zeros = {key for key, value in samples.items() if not value and copysign(1.0, value) < 0}
        changed.update((key, samples[key]) for key in negative_zeros ^ cached.negative_zeros if key in samples)
        cached.negative_zeros = negative_zeros
        old = cached.values
        # The same number of series and none new: the same series (most frames).
        same_series = len(samples) == len(old) and all(key in old for key, _ in changed)
        removed = () if same_series else old.keys() - samples.keys()
        cached.values = samples
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
            lines[name] = {key: family[key] for key in samples if key[0] == name}
        text = cached.text
        for name in touched:
            family = lines[name]
            if not family:
                del lines[name]
                text.pop(name, None)
            elif name in _STATESETS:
                text[name] = self._lines(METRICS[name], [((meter, *key[1]), samples[key]) for key in family])
            else:
                text[name] = "".join(family.values())
        cached.snapshot, cached.valid_until = snap, snap.next_change(now)
        return text

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

    __slots__ = ("snapshot", "valid_until", "values", "negative_zeros", "lines", "text")

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self.valid_until = float("-inf")
        self.values: dict[tuple[str, tuple[str, ...]], float] = {}  # the samples rendered
        self.negative_zeros: set[tuple[str, tuple[str, ...]]] = set()  # those of them that are -0.0
        self.lines: dict[str, dict[tuple[str, tuple[str, ...]], str]] = {}  # by family, each series' line
        self.text: dict[str, str] = {}  # by family, its lines joined


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

