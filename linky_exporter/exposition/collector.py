"""The Prometheus collector: metric families built from each meter's snapshot at scrape time.

No global gauges and no sample timestamps (as prometheus_client advises for exporters): each scrape renders what
the snapshots hold now, so a meter that stops talking loses its measurements
(Prometheus marks them stale) while ``linky_up`` and the exporter's own counters stay.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
    StateSetMetricFamily,
)
from prometheus_client.registry import Collector

from .. import __version__
from ..meter import MeterState, Snapshot
from ..metrics import catalogue as m
from ..metrics.catalogue import IDENTITY_LABELS, METRICS, Kind, MetricSpec
from ..metrics.samples import SampleKey
from ..web.counts import HttpCounts

if TYPE_CHECKING:
    from ..config.settings import Prices  # validated where the settings are read


class LinkyCollector(Collector):
    """``http``: the HTTP server's counts (absent: no linky_exporter_http_* metrics);
    ``prices``: each meter's contract prices by meter name (absent: no price gauges)."""

    def __init__(
        self,
        meters: Sequence[MeterState],
        clock: Callable[[], float] = time.time,
        http: HttpCounts | None = None,
        prices: Mapping[str, Prices] | None = None,
    ):
        self.meters = meters
        self.clock = clock
        self.http = http
        self.prices = prices or {}

    def describe(self) -> Iterable[Metric]:
        return []  # families depend on what the meters send; nothing to check at registration

    def collect(self) -> Iterable[Metric]:
        now = self.clock()
        snapshots = [meter.snapshot for meter in self.meters]
        samples: dict[str, list[tuple[tuple[str, ...], float]]] = {name: [] for name in METRICS}
        for snap in snapshots:
            for (name, labels), value in meter_samples(snap, now, self.prices.get(snap.meter)).items():
                samples[name].append(((snap.meter, *labels), value))
        samples.update(build_info_samples())
        if self.http is not None:
            _http_samples(self.http, samples)
        # Only series that exist: no empty HELP/TYPE blocks.
        return [_family(spec, samples[name]) for name, spec in METRICS.items() if samples[name]]


def build_info_samples() -> dict[str, list[tuple[tuple[str, ...], float]]]:
    return {m.EXPORTER_BUILD_INFO.name: [((__version__,), 1.0)]}


def meter_samples(snap: Snapshot, now: float, prices: Prices | None) -> dict[SampleKey, float]:
    """The meter's samples and the exporter's own for it, without the ``meter`` label."""
    out: dict[SampleKey, float] = dict(snap.fresh_samples(now))
    out.update(own_samples(snap, now, prices))
    return out


def own_samples(snap: Snapshot, now: float, prices: Prices | None) -> dict[SampleKey, float]:
    """What the exporter says of the meter (up, identity, tariff names, prices, its source's
    counters): the samples of ``meter_samples`` that are not the meter's measurements."""
    out: dict[SampleKey, float] = {}
    up = snap.up(now)
    out[(m.UP.name, ())] = 1.0 if up else 0.0
    if snap.identity:
        identity = tuple(snap.identity.get(label, "") for label in IDENTITY_LABELS)
        out[(m.METER_INFO.name, (*identity, "true" if snap.simulated else "false"))] = 1.0
    if up:
        for (register, index), name in snap.tariff_names.items():
            out[(m.TARIFF_INDEX_INFO.name, (register, index, name))] = 1.0
    if prices is not None:
        for index, price in prices.per_kwh.items():
            out[(m.TARIFF_PRICE_EUROS_PER_KILOWATT_HOUR.name, ("supplier", str(index)))] = price
        if prices.subscription_per_day is not None:
            out[(m.SUBSCRIPTION_PRICE_EUROS_PER_DAY.name, ())] = prices.subscription_per_day
    _source_samples(snap, out)
    return out


def _source_samples(snap: Snapshot, out: dict[SampleKey, float]) -> None:
    for result, count in snap.frames.items():
        out[(m.EXPORTER_FRAMES_TOTAL.name, (result,))] = count
    for result, count in snap.groups.items():
        out[(m.EXPORTER_GROUPS_TOTAL.name, (result,))] = count
    for mode, count in snap.mode_detections.items():
        out[(m.EXPORTER_MODE_DETECTIONS_TOTAL.name, (mode,))] = count
    out[(m.EXPORTER_BYTES_TOTAL.name, ())] = snap.bytes
    out[(m.EXPORTER_SOURCE_CONNECTED.name, ())] = 1.0 if snap.connected else 0.0
    out[(m.EXPORTER_SOURCE_RECONNECTS_TOTAL.name, ())] = snap.reconnects
    if snap.last_frame_at is not None:
        # Whole seconds: the fraction changes at every scrape and no alert needs it.
        out[(m.EXPORTER_LAST_FRAME_TIMESTAMP_SECONDS.name, ())] = float(int(snap.last_frame_at))


def _http_samples(http: HttpCounts, samples: dict[str, list[tuple[tuple[str, ...], float]]]) -> None:
    samples[m.EXPORTER_HTTP_RESPONSES_TOTAL.name] = [((str(code),), count) for code, count in sorted(http.responses().items())]
    samples[m.EXPORTER_HTTP_CONNECTIONS.name] = [((), http.held)]
    samples[m.EXPORTER_HTTP_CONNECTIONS_REFUSED_TOTAL.name] = [((), http.refused)]
    samples[m.EXPORTER_HTTP_IDLE_CONNECTIONS_CLOSED_TOTAL.name] = [((), http.pushed_out)]


def _family(spec: MetricSpec, rows: list[tuple[tuple[str, ...], float]]) -> Metric:
    if spec.kind is Kind.GAUGE:
        family: Metric = GaugeMetricFamily(spec.family, spec.help, labels=spec.labels, unit=spec.unit)
        for labels, value in rows:
            family.add_metric(labels, value)
        return family
    if spec.kind is Kind.COUNTER:
        family = CounterMetricFamily(spec.family, spec.help, labels=spec.labels, unit=spec.unit)
        for labels, value in rows:
            family.add_metric(labels, value)
        return family
    if spec.kind is Kind.INFO:
        family = InfoMetricFamily(spec.family, spec.help, labels=spec.labels[:1])
        for labels, _ in rows:
            family.add_metric(labels[:1], dict(zip(spec.labels[1:], labels[1:])))
        return family
    # A stateset: one sample per state, grouped by the labels other than the state.
    # prometheus_client names the state label after the family, as the catalogue does.
    family = StateSetMetricFamily(spec.family, spec.help, labels=spec.labels[:-1])
    grouped: dict[tuple[str, ...], dict[str, bool]] = {}
    for labels, value in rows:
        grouped.setdefault(labels[:-1], {})[labels[-1]] = bool(value)
    for labels, states in grouped.items():
        family.add_metric(labels, states)
    return family
