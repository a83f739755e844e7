"""report/contracts.py, pricing.py and headroom.py: which class a kWh falls in, by the meter's
index or by time, what a contract costs, and which power would have held."""

from __future__ import annotations

from datetime import date

import pytest

from linky_exporter.report.calendars import Colour, TempoCalendar
from linky_exporter.report.contracts import TimeRules, edges, index_names, kind_of_option, time_classifier
from linky_exporter.report.headroom import headroom
from linky_exporter.report.ledger import MISSING, SPREAD, Slot
from linky_exporter.report.localtime import midnight
from linky_exporter.report.prices import ContractPrices
from linky_exporter.report.pricing import price_contract, ranked
from linky_exporter.report.schedules import parse_schedule

DAY = date(2025, 3, 4)
T0 = midnight(DAY)


def at(hhmm: str, day: date = DAY) -> int:
    hours, minutes = map(int, hhmm.split(":"))
    return midnight(day) + hours * 3600 + minutes * 60


@pytest.mark.parametrize("option, kind", [
    ("TEMPO", "tempo"), ("BBR(", "tempo"), ("HC", "hc"), ("HEURES CREUSES", "hc"), ("HC et Week-End", "hc"),
    ("EJP", "ejp"), ("BASE", "base"), ("PRODUCTEUR", None), (None, None),
])
def test_the_meters_option_names_its_contract(option, kind):
    assert kind_of_option(option) == kind


def test_indexes_the_store_has_not_named_get_edfs_names():
    assert index_names("tempo")[6] == "HP ROUGE" and index_names("hc") == {
        1: "HEURES CREUSES", 2: "HEURES PLEINES"}
    assert index_names(None) == {}


def test_classes_by_time():
    rules = TimeRules(offpeak=parse_schedule("23:06-07:06"),
                      tempo=TempoCalendar({DAY: Colour.RED, date(2025, 3, 3): Colour.WHITE}),
                      ejp_days={DAY})
    hc = time_classifier("hc", rules)
    assert hc(at("23:05")) == "hp" and hc(at("23:06")) == "hc" and hc(at("07:05")) == "hc" and hc(at("07:06")) == "hp"
    tempo = time_classifier("tempo", rules)
    assert tempo(at("05:59")) == "white_hc"  # still the Tempo day before
    assert tempo(at("06:00")) == "red_hp" and tempo(at("22:00")) == "red_hc"
    assert tempo(at("12:00", date(2025, 3, 5))) is None  # no colour: never guessed
    ejp = time_classifier("ejp", rules)
    assert ejp(at("06:59")) == "normal" and ejp(at("07:00")) == "peak"
    assert ejp(at("00:59", date(2025, 3, 5))) == "peak" and ejp(at("01:00", date(2025, 3, 5))) == "normal"
    assert time_classifier("hc", TimeRules()) is None and time_classifier("ejp", TimeRules()) is None
    assert {6, 7 * 60 + 6, 23 * 60 + 6} <= {m % 60 for m in edges(rules)} | edges(rules)


PRICES = ContractPrices({"blue_hc": 0.1, "blue_hp": 0.2, "white_hc": 0.3, "white_hp": 0.4, "red_hc": 0.5, "red_hp": 1.0},
                        {9: 0.5})


def test_the_meters_own_contract_is_priced_by_its_indexes_others_by_time():
    slots = [Slot(at("21:30"), at("22:00"), {6: 1000.0}), Slot(at("22:00"), at("22:30"), {5: 2000.0, 6: 10.0})]
    by_index = price_contract("tempo", slots, ["tempo", "tempo"], None, PRICES, 9, 1.0)
    assert by_index.kwh["red_hp"] == pytest.approx(1.01) and by_index.kwh["red_hc"] == pytest.approx(2.0)
    assert by_index.total_eur == pytest.approx(1.01 + 1.0 + 0.5) and by_index.complete
    rules = TimeRules(tempo=TempoCalendar({DAY: Colour.RED}))
    by_time = price_contract("tempo", slots, ["hc", "hc"], time_classifier("tempo", rules), PRICES, 9, 1.0)
    assert by_time.kwh["red_hp"] == pytest.approx(1.0) and by_time.kwh["red_hc"] == pytest.approx(2.01)
    assert by_time.by_index_kwh == 0


def test_energy_without_a_colour_is_counted_apart_and_the_contract_is_incomplete():
    later = date(2025, 3, 5)
    slots = [Slot(at("12:00"), at("12:30"), {1: 500.0}), Slot(at("12:00", later), at("12:30", later), {1: 700.0}, state=SPREAD),
             Slot(at("13:00", later), at("13:30", later), {}, state=MISSING)]
    cost = price_contract("tempo", slots, ["hc"] * 3, time_classifier("tempo", TimeRules(tempo=TempoCalendar({DAY: Colour.BLUE}))),
                          PRICES, 9, 2.0)
    assert cost.unpriced_kwh == pytest.approx(0.7) and cost.unpriced_days == (later,) and not cost.complete
    assert cost.energy_eur == pytest.approx(0.5 * 0.2)
    no_subscription = price_contract("tempo", slots[:1], ["tempo"], None, PRICES, 6, 1.0)
    assert no_subscription.total_eur is None and not no_subscription.complete
    assert price_contract("hc", slots, ["tempo"] * 3, None, ContractPrices({"hc": 1, "hp": 1}, {9: 1}), 9, 1) is None
    ranking = ranked([cost, no_subscription, by := price_contract("tempo", slots[:1], ["tempo"], None, PRICES, 9, 1.0)])
    assert ranking[0] is by


def test_headroom():
    peaks = {date(2025, 3, d): va for d, va in zip(range(1, 6), (2500, 4200, 5900, 6100, 8700))}
    minutes = {T0 + 60 * n: va for n, va in enumerate((3100, 5000, 6200, 8700, 8650))}
    room = headroom(peaks, minutes, 9, 9000, {6: 0.40, 9: 0.50})
    assert room.peak_va == 8700 and room.peak_day == date(2025, 3, 5) and room.days == 5
    assert dict(room.bands) == {"under 50%": 2, "50%-70%": 2, "70%-80%": 0, "80%-90%": 0, "90%-100%": 1, "over 100%": 0}
    assert [(r.kva, r.days_above, r.minutes_above) for r in room.powers] == [(3, 4, 5), (6, 2, 3), (9, 0, 0)]
    assert room.smallest_safe_kva == 9 and room.yearly_saving == 0
    calmer = headroom({DAY: 5200}, {}, 9, 9000, {6: 0.40, 9: 0.50})
    assert calmer.smallest_safe_kva == 6 and calmer.yearly_saving == pytest.approx(0.10 * 365)
    assert headroom({}, {}, None, None, None).smallest_safe_kva is None
