"""exposition/render.py writes what prometheus_client writes for the meters, byte for byte, in
both formats, also after frames, staleness and a change of meter; and /metrics is the same
through it as through prometheus_client's app (format, gzip, the process metrics after)."""

from __future__ import annotations

import gzip

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from linky_exporter.config.settings import Prices
from linky_exporter.exposition.app import ExporterApp
from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.exposition.render import MeterRenderer
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.web.counts import HttpCounts
from linky_exporter.web.http_protocol import Request

from ..support.fed_meter import fed_state, record

URLS = (
    "simulated://standard?contract=tempo&seed=1&start=2024-01-10T12:00",
    "simulated://standard?phases=3&producer=1&contract=hc&seed=2&start=2024-01-10T12:00",
    "simulated://historique?contract=hc&seed=3&start=2024-01-10T12:00",
    "simulated://historique?phases=3&contract=ejp&seed=4&start=2024-01-10T12:00",
)
# A label value prometheus_client escapes: backslash, newline and double quote.
ODD_NAME = 'cellar "B"\\2\nleft'


class Fleet:
    """Meters fed the simulator's frames one at a time, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.transmitters = [Transmitter(parse_url(url)) for url in URLS]
        from linky_exporter.meter import MeterState

        self.meters = [MeterState(name, stale_after=30) for name in ("m0", "m1", ODD_NAME, "m3")]
        self.meters.append(fed_state("capture", now=self.now))
        for _ in range(3):
            self.frame()

    def frame(self, which: range | None = None) -> None:
        self.now += 1.0
        for i in which if which is not None else range(len(self.transmitters)):
            emission = self.transmitters[i].next_emission()
            record(self.meters[i], emission.data, self.now, self.now)


def both(collector: LinkyCollector, renderer: MeterRenderer) -> None:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    assert renderer.render(False) == generate_latest(registry).decode()
    assert renderer.render(True) + "# EOF\n" == openmetrics_latest(registry).decode()


def test_the_renderer_writes_what_prometheus_client_writes():
    fleet = Fleet()
    http = HttpCounts()
    prices = {"m0": Prices(per_kwh={1: 0.2, 2: 0.25}, subscription_per_day=0.5), ODD_NAME: Prices(per_kwh={1: 0.1})}
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now, http=http, prices=prices)
    renderer = MeterRenderer(collector)
    both(collector, renderer)
    both(collector, renderer)  # from the caches
    fleet.frame(range(1))  # one meter's frame: the others' lines are reused
    both(collector, renderer)
    fleet.frame()
    both(collector, renderer)
    fleet.now += 31  # every measurement stale, the meters down
    both(collector, renderer)
    fleet.frame(range(2))  # two of them back
    both(collector, renderer)


def test_the_renderer_agrees_frame_after_frame_as_series_come_and_go():
    """Series change, appear (a meter back from staleness) and disappear (stale, down)
    between renderings: the lines kept from one rendering to the next stay right."""
    import random

    chance = random.Random(7)
    fleet = Fleet()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    renderer = MeterRenderer(collector)
    for _ in range(120):
        fleet.frame(range(chance.randrange(1, len(URLS) + 1)))  # the last meters lag behind
        if chance.random() < 0.1:
            fleet.now += chance.choice((10, 29, 31, 45))  # some values, or whole meters, go stale
        both(collector, renderer)


def test_a_replaced_meter_is_rendered_with_its_new_series():
    fleet = Fleet()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    renderer = MeterRenderer(collector)
    both(collector, renderer)
    fleet.transmitters[0] = Transmitter(parse_url("simulated://standard?contract=base&seed=9&start=2024-01-10T12:00"))
    fleet.frame(range(1))
    both(collector, renderer)


@pytest.mark.parametrize("accept", [None, "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,text/plain;q=0.5",
                                    "text/plain;version=0.0.4", "text/plain;version=1.0.0;escaping=underscores"])
@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_metrics_through_the_renderer_are_prometheus_clients(accept, encoding):
    fleet = Fleet()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    whole, others = CollectorRegistry(auto_describe=False), CollectorRegistry(auto_describe=False)
    whole.register(collector)
    tail = CollectorRegistry(auto_describe=False)  # a collector after the meters, as serve's process metrics
    from prometheus_client import Gauge

    Gauge("after_the_meters", "A gauge registered after the meters.", registry=tail).set(3)
    whole.register(tail)
    others.register(tail)
    plain = ExporterApp(whole, fleet.meters)
    fast = ExporterApp(whole, fleet.meters, renderer=MeterRenderer(collector), others=others)
    headers = {name: value for name, value in (("accept", accept), ("accept-encoding", encoding)) if value}
    request = Request("GET", "/metrics", "", "HTTP/1.1", headers, 0)
    expected, got = plain.handle(request), fast.handle(request)
    assert got[0] == expected[0] == 200
    assert got[1] == expected[1]
    if encoding:
        assert gzip.decompress(got[2]) == gzip.decompress(expected[2])
    else:
        assert got[2] == expected[2]
    assert b"after_the_meters 3.0\n" in (gzip.decompress(got[2]) if encoding else got[2])
    # name[] asks prometheus_client to filter: the whole registry answers it
    query = Request("GET", "/metrics", "name[]=linky_up", "HTTP/1.1", headers, 0)
    assert fast.handle(query) == plain.handle(query)


def test_a_value_that_turns_from_zero_to_minus_zero_is_written_again():
    fleet = Fleet()
    collector = LinkyCollector(fleet.meters[:1], clock=lambda: fleet.now)
    renderer = MeterRenderer(collector)
    renderer.render(True)
    cached = renderer._meters[0]
    at = next(i for i, value in enumerate(cached.values) if value == 0)
    key = cached.keys[at]
    cached.signs[at] = -cached.signs[at]  # as if it had been rendered with the other sign
    cached.lines[key[0]][key] = "cached\n"
    renderer._set_slot(key[0], 0, "cached\n")
    cached.snapshot = None  # the meter's lines built again from what was rendered
    both(collector, renderer)


def test_scrapes_rendering_at_once_get_whole_and_equal_texts():
    """Up to four application threads render at once (other Accept headers miss the
    response cache), and the reading loop refreshes the meters' text meanwhile; the
    renderer's caches, updated in place, must not mix them up."""
    import threading

    fleet = Fleet()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    renderer = MeterRenderer(collector)
    errors: list[BaseException] = []
    texts: list[str] = []

    def scrape() -> None:
        try:
            texts.append(renderer.render(True))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    def refresh() -> None:  # the reading loop's, beside the scrapes
        try:
            for _ in range(20):
                renderer.refresh()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the GIL changes hands inside a rendering, as under load
    try:
        for _ in range(30):
            fleet.frame()
            texts.clear()
            threads = [threading.Thread(target=scrape) for _ in range(4)] + [threading.Thread(target=refresh)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors
            registry = CollectorRegistry(auto_describe=False)
            registry.register(collector)
            assert set(texts) == {openmetrics_latest(registry).decode()[: -len("# EOF\n")]}
    finally:
        sys.setswitchinterval(interval)


class Monotonic:
    """The renderer's clock for when scrapes come, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _rendered_with_their_snapshots(renderer: MeterRenderer, fleet: Fleet) -> list[bool]:
    return [renderer._meters[i].snapshot is state.snapshot for i, state in enumerate(fleet.meters)]


def test_while_scrapes_come_every_second_each_frame_is_rendered_when_it_is_recorded():
    fleet = Fleet()
    monotonic = Monotonic()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    renderer = MeterRenderer(collector, monotonic=monotonic)
    renderer.render(True)
    monotonic.now += 1.0
    renderer.render(True)
    fleet.frame(range(2))
    monotonic.now += 0.5
    renderer.refresh()  # what the reading loop calls after its reads
    # The two meters with a frame are rendered already: the next scrape only joins their text.
    assert _rendered_with_their_snapshots(renderer, fleet) == [True] * len(fleet.meters)
    both(collector, renderer)
    fleet.now += 31  # stale: a refresh renders that too
    renderer.refresh()
    assert _rendered_with_their_snapshots(renderer, fleet) == [True] * len(fleet.meters)
    both(collector, renderer)


@pytest.mark.parametrize(("between_scrapes", "since_the_last"), [(15.0, 0.5), (1.0, 2.5)],
                         ids=["scrapes 15 s apart", "no scrape for 2.5 s"])
def test_while_scrapes_are_rare_a_frame_waits_for_the_next_scrape(between_scrapes, since_the_last):
    """Scraped every 15 s, rendering each frame as it comes would render 15 for one scrape;
    a scraper that went away leaves the frames unrendered after 2 s."""
    fleet = Fleet()
    monotonic = Monotonic()
    collector = LinkyCollector(fleet.meters, clock=lambda: fleet.now)
    renderer = MeterRenderer(collector, monotonic=monotonic)
    renderer.render(True)
    monotonic.now += between_scrapes
    renderer.render(True)
    fleet.frame(range(2))
    monotonic.now += since_the_last
    renderer.refresh()
    assert _rendered_with_their_snapshots(renderer, fleet) == [False, False] + [True] * (len(fleet.meters) - 2)
    both(collector, renderer)
