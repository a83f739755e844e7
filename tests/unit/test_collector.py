"""The collector: metric families rendered from the meters' snapshots, as the catalogue describes them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from linky_exporter.config.settings import Prices
from linky_exporter.exposition.collector import LinkyCollector
from linky_exporter.meter import MeterState
from linky_exporter.metrics import catalogue as m

from ..support.fed_meter import fed_state


def exposed(collector: LinkyCollector) -> dict[str, float]:
    return {s.name: s.value for family in collector.collect() for s in family.samples}


def test_the_collector_drops_a_value_past_its_staleness_without_a_new_snapshot():
    clock = [1000.0]
    collector = LinkyCollector([fed_state()], clock=lambda: clock[0])
    assert exposed(collector)["linky_up"] == 1 and "linky_apparent_power_volt_amperes" in exposed(collector)
    clock[0] = 1029.9
    assert exposed(collector)["linky_up"] == 1  # same snapshot, still fresh
    clock[0] = 1030.1
    after = exposed(collector)
    assert after["linky_up"] == 0 and "linky_apparent_power_volt_amperes" not in after
    valid = [s.value for f in collector.collect() for s in f.samples
             if s.name == "linky_exporter_frames_total" and s.labels["result"] == "valid"]
    assert valid and valid[0] > 0  # the exporter's own counters stay


def test_every_family_is_rendered_as_its_catalogue_entry():
    collector = LinkyCollector([fed_state()], clock=lambda: 1000.0, prices={"linky": Prices(per_kwh={1: 0.15}, subscription_per_day=0.5)})
    families = list(collector.collect())
    assert families, "a fed meter exposes metrics"
    by_name = {spec.family: spec for spec in m.METRICS.values()}
    for family in families:
        spec = by_name[family.name]
        assert family.type == spec.kind.value and family.documentation == spec.help and family.unit == spec.unit
        for sample in family.samples:
            assert set(sample.labels) <= {*spec.labels, *(spec.labels[-1:] if spec.kind is m.Kind.STATESET else ())}
    names = [family.name for family in families]
    assert names == [spec.family for spec in m.METRICS.values() if spec.family in names], "catalogue order"
    assert {m.TARIFF_PRICE_EUROS_PER_KILOWATT_HOUR.family, m.SUBSCRIPTION_PRICE_EUROS_PER_DAY.family} <= set(names)


def test_meter_info_carries_the_identity_labels_of_the_catalogue():
    collector = LinkyCollector([fed_state(simulated=True)], clock=lambda: 1000.0)
    info = next(s for f in collector.collect() for s in f.samples if s.name == m.METER_INFO.name)
    assert list(info.labels) == list(m.METER_INFO.labels)
    assert tuple(info.labels)[1:-1] == m.IDENTITY_LABELS
    assert info.labels["serial"] == "021861348497" and info.labels["simulated"] == "true"


def test_a_meter_never_heard_exposes_only_up_and_its_source_counters():
    collector = LinkyCollector([MeterState("silent", stale_after=30)], clock=lambda: 0.0)
    names = {f.name for f in collector.collect()}
    source = {spec.family for spec in m.METRICS.values()
              if spec.name.startswith("linky_exporter_") and not spec.name.startswith("linky_exporter_http_")}
    assert names == {m.UP.family} | (source - {m.EXPORTER_LAST_FRAME_TIMESTAMP_SECONDS.family, m.EXPORTER_MODE_DETECTIONS_TOTAL.family})


def test_two_meters_share_each_family_under_their_meter_label():
    registry = CollectorRegistry()
    registry.register(LinkyCollector([fed_state("house"), fed_state("garage")], clock=lambda: 1000.0))
    text = generate_latest(registry).decode()
    assert text.count("# TYPE linky_up gauge") == 1
    assert 'linky_up{meter="house"} 1.0' in text and 'linky_up{meter="garage"} 1.0' in text
    assert text.count("linky_exporter_build_info{") == 1


def test_the_http_servers_counts_are_exposed_when_given():
    from linky_exporter.web.counts import HttpCounts

    counts = HttpCounts()
    for status in (200, 200, 401):
        counts.response(status)
    counts.held, counts.refused, counts.pushed_out = 2, 3, 4
    registry = CollectorRegistry()
    registry.register(LinkyCollector([fed_state()], clock=lambda: 1000.0, http=counts))
    assert registry.get_sample_value("linky_exporter_http_responses_total", {"code": "200"}) == 2
    assert registry.get_sample_value("linky_exporter_http_responses_total", {"code": "401"}) == 1
    assert registry.get_sample_value("linky_exporter_http_connections") == 2
    assert registry.get_sample_value("linky_exporter_http_connections_refused_total") == 3
    assert registry.get_sample_value("linky_exporter_http_idle_connections_closed_total") == 4
