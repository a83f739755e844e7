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
  (``Snapshot.next_change``), so a frame of one meter renders that meter only.

The text is the one prometheus_client writes, byte for byte, in both formats
(tests/unit/test_render.py compares them): every metric and label name of the
catalogue is a legacy Prometheus name, which no escaping scheme changes, so the
Accept header's escaping does not matter here; label values are escaped as
prometheus_client does (backslash, newline, double quote).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
        # For each meter: (snapshot, valid until, its lines by family name), and each of
        # its series exposed last time: (value, line up to the value, line).
        self._series: dict[int, dict[tuple[str, tuple[str, ...]], tuple[float, str, str]]] = {}
        self._meters: dict[int, tuple[Snapshot, float, dict[str, str]]] = {}

    def render(self, openmetrics: bool) -> str:
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
        if cached is not None and cached[0] is snap and now < cached[1]:
            return cached[2]
        known = self._series.get(index, {})
        series: dict[tuple[str, tuple[str, ...]], tuple[float, str, str]] = {}  # only what is exposed now
        lines: dict[str, list[str]] = {}
        statesets: _Rows = {}
        meter = snap.meter
        for key, value in meter_samples(snap, now, prices.get(meter)).items():
            name = key[0]
            if name in _STATESETS:
                statesets.setdefault(name, []).append(((meter, *key[1]), value))
                continue
            entry = known.get(key)
            if entry is None:
                prefix = _prefix(METRICS[name], (meter, *key[1]))
                entry = (value, prefix, prefix + _value(name, value))
            elif entry[0] != value or (not value and str(value) != str(entry[0])):  # 0.0 == -0.0, written apart
                entry = (value, entry[1], entry[1] + _value(name, value))
            series[key] = entry
            named = lines.get(name)
            if named is None:
                lines[name] = [entry[2]]
            else:
                named.append(entry[2])
        self._series[index] = series
        text = {name: "".join(named) for name, named in lines.items()}
        for name, rows in statesets.items():
            text[name] = self._lines(METRICS[name], rows)
        self._meters[index] = (snap, snap.next_change(now), text)
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

