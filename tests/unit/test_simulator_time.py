"""Time-driven behaviour, shown with a start time and a speed factor (no real waiting)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from linky_exporter.simulator.calendars import EjpCalendar, TempoCalendar
from linky_exporter.simulator.clock import PARIS, local_datetime
from linky_exporter.tic.horodate import parse_horodate
from linky_exporter.tic.stge import TempoColor

from ..support.simulated import emissions, transmitter


def _at(emission) -> datetime:
    return local_datetime(emission.sim_ms)


@pytest.mark.parametrize("mode", ["historique", "standard"])
def test_tomorrows_tempo_colour_is_announced_at_20h(mode):
    seen = emissions(transmitter(f"simulated://{mode}?contract=tempo&start=2024-01-15T19:57:00&speed=40&seed=4"), 8)
    expected = TempoColor(["unknown", "blue", "white", "red"][TempoCalendar(4).colour(date(2024, 1, 16))])
    before = [r for e, _, r in seen if _at(e).hour == 19]
    after = [r for e, _, r in seen if _at(e).hour == 20]
    assert before and after
    assert all(r.tempo_tomorrow is TempoColor.UNKNOWN for r in before)
    assert all(r.tempo_tomorrow is expected for r in after)
    if mode == "historique":
        assert {f.groups["DEMAIN"].value for e, f, _ in seen if _at(e).hour == 19} == {"----"}


def test_red_tempo_day_scenario_announces_red_for_tomorrow_and_runs_red_from_6h():
    url = "simulated://standard?contract=tempo&start=2024-01-15T19:59:00&speed=3600&seed=4&scenario=tempo_red"
    seen = emissions(transmitter(url), 14)  # one simulated hour per frame
    by_hour = {(_at(e).day, _at(e).hour): r for e, _, r in seen}
    assert by_hour[(15, 20)].tempo_tomorrow is TempoColor.RED
    assert by_hour[(16, 5)].tempo_today is not TempoColor.RED  # the Tempo day changes at 06:00
    assert by_hour[(16, 6)].tempo_today is TempoColor.RED
    assert by_hour[(16, 6)].current_supplier_index == 6  # HP rouge
    assert by_hour[(16, 6)].supplier_index_names[6] == "HP ROUGE"
    assert by_hour[(15, 22)].current_supplier_index in (1, 3, 5)  # HC from 22:00


def test_tempo_calendar_follows_the_rules():
    calendar = TempoCalendar(seed=1)
    days = [date(2023, 9, 1).fromordinal(date(2023, 9, 1).toordinal() + n) for n in range(366)]
    colours = {day: calendar.colour(day) for day in days}
    reds = [d for d, c in colours.items() if c == 3]
    whites = [d for d, c in colours.items() if c == 2]
    assert len(reds) == 22 and len(whites) == 43
    assert all(d.weekday() < 5 and (d.month >= 11 or d.month <= 3) for d in reds)
    assert all(d.weekday() != 6 for d in whites)
    assert TempoCalendar(seed=2).colour != calendar.colour
    assert [TempoCalendar(1).colour(d) for d in days] == list(colours.values())  # deterministic


def test_smaxsn_rolls_over_at_midnight():
    url = "simulated://standard?phases=3&contract=base&start=2024-01-15T23:58:00&speed=40&seed=2"
    seen = emissions(transmitter(url), 6)
    before = [f for e, f, _ in seen if _at(e).day == 15][-1]
    after = [f for e, f, _ in seen if _at(e).day == 16][0]
    for label in ("SMAXSN", "SMAXSN1", "SMAXSN2", "SMAXSN3"):
        assert after.groups[label + "-1"] == before.groups[label]  # value and horodate
        assert parse_horodate(after.groups[label].horodate).when.date() == date(2024, 1, 16)
    assert parse_horodate(before.groups["SMAXSN"].horodate).when.date() == date(2024, 1, 15)


@pytest.mark.parametrize("mode", ["historique", "standard"])
def test_hc_hp_switch_at_the_configured_times(mode):
    url = f"simulated://{mode}?contract=hc&offpeak=12:30-14:00&start=2024-03-04T12:28:00&speed=45&seed=1"
    seen = emissions(transmitter(url), 6 if mode == "standard" else 3)
    url2 = f"simulated://{mode}?contract=hc&offpeak=12:30-14:00&start=2024-03-04T13:58:30&speed=45&seed=1"
    seen += emissions(transmitter(url2), 6 if mode == "standard" else 3)
    for emission, frame, reading in seen:
        moment = _at(emission)
        offpeak = (12, 30) <= (moment.hour, moment.minute) < (14, 0)
        assert reading.current_supplier_index == (1 if offpeak else 2), moment
        if mode == "historique":
            assert frame.groups["PTEC"].value == ("HC.." if offpeak else "HP..")
        else:
            assert frame.groups["LTARF"].value.split() == (["HEURE", "CREUSE"] if offpeak else ["HEURE", "PLEINE"])
            assert reading.status.supplier_index == int(frame.groups["NTARF"].value)
            assert reading.relays[1] is offpeak  # the water heater's relay
    indexes = {reading.current_supplier_index for _, _, reading in seen}
    assert indexes == {1, 2}


@pytest.mark.parametrize("mode", ["historique", "standard"])
def test_ejp_notice_half_an_hour_before_the_mobile_peak(mode):
    url = f"simulated://{mode}?contract=ejp&start=2024-01-17T06:25:00&speed=180&seed=1&scenario=ejp_notice"
    seen = emissions(transmitter(url), 16 if mode == "standard" else 12)
    states = []
    for emission, frame, reading in seen:
        t = _at(emission)
        minute = t.hour * 60 + t.minute
        notice = 6 * 60 + 30 <= minute < 7 * 60
        peak = minute >= 7 * 60
        assert reading.mobile_peak_notice == int(notice), t
        assert reading.mobile_peak_active == int(peak), t
        assert reading.current_supplier_index == (2 if peak else 1)
        if mode == "historique":
            assert ("PEJP" in frame.groups) is notice
            assert frame.groups["PTEC"].value == ("PM.." if peak else "HN..")
        else:
            assert ("DPM1" in frame.groups) is (notice or peak)
        states.append((notice, peak))
    assert {(False, False), (True, False), (False, True)} <= set(states)


def test_ejp_calendar_has_22_winter_days():
    calendar = EjpCalendar(seed=3)
    days = [date.fromordinal(date(2023, 11, 1).toordinal() + n) for n in range(152)]
    assert sum(calendar.is_peak_day(d) for d in days) == 22
    assert not calendar.is_peak_day(date(2024, 7, 1))


def test_start_is_local_time_and_the_season_letter_follows_dst():
    summer = emissions(transmitter("simulated://standard?start=2024-07-01T12:00:00"), 1)[0][1]
    winter = emissions(transmitter("simulated://standard?start=2024-01-01T12:00:00"), 1)[0][1]
    assert summer.groups["DATE"].horodate == "E240701120000"
    assert winter.groups["DATE"].horodate == "H240101120000"
    moment = parse_horodate(summer.groups["DATE"].horodate).when
    assert moment == datetime(2024, 7, 1, 12, tzinfo=PARIS)
