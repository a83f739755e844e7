"""Energy conservation: indexes grow by exactly the energy the truth's power implies."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from linky_exporter.simulator import SimulatedMeter, parse_url
from linky_exporter.simulator.meter import WMS_PER_WH


def _meter(url: str) -> SimulatedMeter:
    return SimulatedMeter(parse_url(url))


def _integrate(meter: SimulatedMeter, begin: int, end: int):
    """The test's own integral of the meter's measured power, tick by tick, per tariff index."""
    supplier = dict.fromkeys(range(1, 11), 0)
    distributor = dict.fromkeys(range(1, 5), 0)
    exported = 0
    for tick in range(begin, end, meter.tick_ms):
        sample = meter.measure(tick)
        assert sample.import_va >= sample.import_w >= 0
        assert sample.export_va >= sample.export_w >= 0
        assert not (sample.import_w and sample.export_w)
        if not meter.config.producer and sample.import_w > 50:
            assert 0.85 <= sample.import_w / sample.import_va <= 1.0
        supplier[sample.tariff.supplier_index] += sample.import_w * meter.tick_ms
        distributor[sample.tariff.distributor_index] += sample.import_w * meter.tick_ms
        exported += sample.export_w * meter.tick_ms
    return supplier, distributor, exported


@pytest.mark.slow
def test_a_tempo_day_conserves_energy_index_by_index():
    meter = _meter("simulated://standard?contract=tempo&start=2024-01-15T00:00:00&seed=11&scenario=tempo_red")
    begin = meter.now_ms
    before = {i: meter.supplier_wh(i) for i in range(1, 11)}
    before_truth = meter.truth()
    previous = dict(before)
    # Advance in uneven slices (a frame every 1.7 s would do the same), checking monotony.
    step = 1_700
    target = begin + 86_400_000
    checkpoints = 0
    while meter.now_ms < target:
        meter.advance_to(min(target, meter.now_ms + step * 353))
        current = {i: meter.supplier_wh(i) for i in range(1, 11)}
        assert all(current[i] >= previous[i] for i in current)
        assert meter.total_wh() == sum(current.values())
        previous = current
        checkpoints += 1
    assert checkpoints > 100
    supplier, distributor, _ = _integrate(meter, begin, target)
    truth = meter.truth()
    for index in range(1, 11):
        integral = Fraction(supplier[index], WMS_PER_WH)
        growth = meter.supplier_wh(index) - before[index]
        # The shown index is the floor of the exact total: within 1 Wh of the integral.
        assert meter.supplier_wh(index) == math.floor(before_truth.supplier_wh[index] + integral)
        assert abs(integral - growth) < 1
        assert truth.supplier_wh[index] - before_truth.supplier_wh[index] == integral
    for index in range(1, 5):
        assert truth.distributor_wh[index] - before_truth.distributor_wh[index] == Fraction(
            distributor[index], WMS_PER_WH
        )
    # Starting at 00:00 on the 15th, the Tempo day is still the 14th's until 06:00; the
    # scenario forces the next Tempo day (the 15th) red: its HP and HC indexes (6, 5) moved.
    moved = {i for i in range(1, 11) if supplier[i]}
    assert {5, 6} <= moved <= {1, 2, 3, 4, 5, 6}
    daily_kwh = sum(supplier.values()) / WMS_PER_WH / 1000
    assert 8 < daily_kwh < 80  # a heated house in January


def test_a_three_phase_producer_conserves_imported_and_exported_energy():
    meter = _meter("simulated://standard?phases=3&producer=1&contract=hc&start=2024-06-15T08:00:00&speed=60&seed=5")
    begin, end = meter.now_ms, meter.now_ms + 8 * 3_600_000
    truth0 = meter.truth()
    meter.advance_to(end)
    supplier, _, exported = _integrate(meter, begin, end)
    truth = meter.truth()
    assert truth.exported_wh - truth0.exported_wh == Fraction(exported, WMS_PER_WH)
    assert truth.imported_wh - truth0.imported_wh == Fraction(sum(supplier.values()), WMS_PER_WH)
    assert exported > 0  # a June day's panels inject at some point
    assert meter.export_wh() - meter.initial_export_wh == exported // WMS_PER_WH


def test_solar_is_zero_at_night_and_voltages_stay_near_230():
    meter = _meter("simulated://standard?phases=3&producer=1&start=2024-06-15T00:00:00&seed=3")
    night = meter.measure(meter.now_ms + 2 * 3_600_000)
    assert night.export_w == 0
    ticks = range(meter.now_ms, meter.now_ms + 86_400_000, 600_000)
    volts = [v for tick in ticks for v in meter.measure(tick).voltages]
    assert 0.97 * 230 < min(volts) and max(volts) < 1.03 * 230
    assert max(volts) - min(volts) > 3  # they do move


@pytest.mark.slow
def test_energy_does_not_depend_on_how_time_is_sliced():
    url = "simulated://historique?contract=hc&start=2024-02-01T21:00:00&seed=9"
    coarse, fine = _meter(url), _meter(url)
    end = coarse.now_ms + 3 * 3_600_000
    coarse.advance_to(end)
    while fine.now_ms < end:
        fine.advance_to(min(end, fine.now_ms + 777))
    assert coarse.truth().supplier_wh == fine.truth().supplier_wh
    assert [coarse.supplier_wh(i) for i in (1, 2)] == [fine.supplier_wh(i) for i in (1, 2)]
