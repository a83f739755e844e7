"""The metric contract the rules and queries are checked against is what a real collector exposes.

The golden captures, read in this process, expose most of it; a simulated historique meter
in overload adds what they never send (the over-current warning, and active power, which
needs frames at their real pace); prices and the HTTP server's counts add the rest.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from linky_exporter.config.settings import Prices
from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.web.counts import HttpCounts

from ..support.fed_meter import replayed_state, simulated_state
from ..support.golden_exposition import LAYOUTS, stream_of
from ..support.metric_contract import CONTRACT, all_contract_labels, contract_metric_names

OVERLOAD = "simulated://historique?contract=hc&seed=15&start=2024-01-15T12:00&scenario=overload&overload_at=1s&overload_for=1d"


def exposed_label_sets(collector: LinkyCollector) -> dict[str, set[frozenset[str]]]:
    """Each linky_ name of the rendered /metrics text -> the label-name sets of its series."""
    registry = CollectorRegistry()
    registry.register(collector)
    seen: dict[str, set[frozenset[str]]] = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            seen.setdefault(sample.name, set()).add(frozenset(sample.labels))
    return seen


def every_metric() -> LinkyCollector:
    simulated = simulated_state(OVERLOAD, frames=60)
    now = simulated.snapshot.last_frame_at
    meters = [replayed_state(stream_of(layout), name=layout, now=now) for layout in sorted(LAYOUTS)] + [simulated]
    http = HttpCounts()
    http.response(200)
    prices = {meter.snapshot.meter: Prices(per_kwh={1: 0.2}, subscription_per_day=0.5) for meter in meters}
    return LinkyCollector(meters, clock=lambda: now, http=http, prices=prices)


def test_the_contract_has_every_exposed_name_and_nothing_else():
    seen = exposed_label_sets(every_metric())
    assert set(seen) == set(CONTRACT), (
        f"exposed, not in the contract: {sorted(set(seen) - set(CONTRACT))}; "
        f"in the contract, not exposed: {sorted(set(CONTRACT) - set(seen))}"
    )
    assert contract_metric_names()[0] == set(seen)


def test_every_exposed_series_carries_the_contracts_labels():
    seen = exposed_label_sets(every_metric())
    wrong = {name: sorted(sorted(labels) for labels in sets) for name, sets in seen.items() if sets != {CONTRACT[name]}}
    assert wrong == {}, "label names differ from the contract"
    assert all_contract_labels() >= frozenset().union(*(labels for sets in seen.values() for labels in sets))
