"""report/build.py: the meter's contract hour by hour, the Tempo colours and EJP days it counted,
and a whole report from a small history."""

from __future__ import annotations

from datetime import date

import pytest

from linky_exporter.report import text
from linky_exporter.report.build import ledger_of, meter_ejp_days, meter_report, meter_tempo_colours
from linky_exporter.report.calendars import Colour
from linky_exporter.report.contracts import TimeRules
from linky_exporter.report.history import MeterHistory
from linky_exporter.report.ledger import SeriesReadings, Slot
from linky_exporter.report.localtime import midnight
from linky_exporter.report.prices import parse_prices

DAY = date(2025, 3, 4)
T0 = midnight(DAY)


def history(options: dict[int, str], readings: dict[int, dict[int, float]], hours: int = 4) -> MeterHistory:
    edges = [T0 + 1800 * n for n in range(2 * hours + 1)]
    return MeterHistory(
        "linky", T0, edges[-1], edges, [SeriesReadings(i, values) for i, values in readings.items()], [], [], 15.0,
        options, {}, ["022461990003"], {"samples": {T0 + 3600: 4200.0}}, {T0 + 60: 4200.0}, 9000.0, 9000.0,
    )  # fmt: skip


def test_the_contract_of_each_slot_is_the_option_of_its_hour_or_the_last_one_known():
    past = history({T0 + 3600: "HC..", T0 + 3 * 3600: "TEMPO"}, {1: {T0 + 1800 * n: 10.0 * n for n in range(9)}})
    _, kinds = ledger_of(past)
    assert kinds == ["hc", "hc", "hc", "hc", "tempo", "tempo", "tempo", "tempo"]


def test_the_colours_and_the_days_the_meter_counted():
    slots = [Slot(T0 + 5 * 3600, T0 + 5 * 3600 + 1800, {5: 100.0}), Slot(T0 + 7 * 3600, T0 + 7 * 3600 + 1800, {2: 300.0, 5: 1.0}),
             Slot(T0 + 86400 + 1800, T0 + 86400 + 3600, {2: 50.0})]
    assert meter_tempo_colours(slots, ["tempo"] * 3) == {date(2025, 3, 3): Colour.RED, DAY: Colour.BLUE}
    # the peak index after midnight belongs to the day before: 5 March is not a mobile-peak day
    assert meter_ejp_days(slots, ["ejp"] * 3) == {DAY}


def test_a_small_report_and_its_text():
    past = history({T0 + 3600 * h: "TEMPO" for h in range(1, 5)},
                   {1: {T0 + 1800 * n: 1000.0 + 100 * n for n in range(9)}})
    slots, kinds = ledger_of(past)
    prices = parse_prices({"tempo": {"subscription_per_day": {9: 0.5}, "per_kwh": {
        "blue_hc": 0.1, "blue_hp": 0.2, "white_hc": 0.3, "white_hp": 0.4, "red_hc": 0.5, "red_hp": 0.6}},
        "base": {"subscription_per_day": {9: 0.4}, "per_kwh": 0.2}}, "p.yml")
    report = meter_report(past, slots, kinds, TimeRules(), prices, daily=True)
    assert report.contract == "tempo" and report.total_kwh == pytest.approx(0.8)
    assert [c.kind for c in report.costs] == ["tempo", "base"]  # 0.08 + 4 h of 0.5 EUR a day, then 0.16 + ...
    assert report.current.total_eur == pytest.approx(0.8 * 0.1 + 0.5 * 4 / 24)
    assert report.index_names[1] == "HC BLEU" and report.months[0].kwh == {1: pytest.approx(0.8)}
    printed = text.render([report])
    assert "1. Tempo (yours)" in printed and "HC BLEU" in printed and "Data gaps: none" in printed
    assert "only: the figures cover that span" not in printed
