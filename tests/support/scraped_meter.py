"""The exporter's own code path for one meter, driven by hand: what a Prometheus scrape of it
would have stored, without threads, sockets or waiting.

Frames go through the exporter's decoder, ``read_frame`` and ``MeterState`` at the time
they are received; a scrape renders ``LinkyCollector`` (and any other collector, such as
the process collector) with the exporter's clock set to the scrape's time, as sample lines
with the target's labels. benchmarks/storage.py writes OpenMetrics for backfilling from
these lines; tests/support/report_history.py a simulated meter's months of history for the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.meter import MeterState
from linky_exporter.tic.framing import FrameDecoder, FrameResult
from linky_exporter.tic.interpret import read_frame


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(registry: CollectorRegistry, target: Mapping[str, str], names: dict | None = None) -> list[str]:
    """Every sample of ``registry`` as ``name{labels} value``, the target's labels added.

    ``names`` keeps each series' ``name{labels}`` text from one scrape to the next (a meter
    has about a hundred series, rendered thousands of times)."""
    names = {} if names is None else names
    lines = []
    for family in registry.collect():
        for sample in family.samples:
            key = (sample.name, tuple(sample.labels.items()))
            series = names.get(key)
            if series is None:
                labels = {**sample.labels, **target}
                text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
                series = names[key] = f"{sample.name}{{{text}}}"
            lines.append(f"{series} {sample.value!r}")
    return lines


class ScrapedMeter:
    """One meter as the exporter reads and serves it; ``prices`` as in its ``prices:`` setting."""

    def __init__(self, meter: str = "linky", *, target: Mapping[str, str], prices: Mapping | None = None,
                 collectors: Iterable[Collector] = ()):
        self.state = MeterState(meter, 30.0, simulated=False)
        self.state.record_connected(True)
        self.target = dict(target)
        self._now = 0.0
        self._names: dict = {}
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(LinkyCollector([self.state], clock=lambda: self._now, prices=prices or {}))
        for collector in collectors:
            self.registry.register(collector)

    def receive(self, data: bytes, at: float) -> None:
        """Bytes of one or more frames, fully received at ``at`` (Unix seconds)."""
        frames = FrameDecoder(stats=self.state.decoder_stats).feed(data)
        pairs = [(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames]
        self.state.record_chunk(pairs, at, now=at)

    def scrape(self, at: float) -> list[str]:
        self._now = at
        return render(self.registry, self.target, self._names)
