"""Energy since local midnight (meter/today.py): baselines, whole and partial days, Paris days of 23 and 25 hours."""

from __future__ import annotations

from datetime import datetime

from linky_exporter.meter.today import CROSSING_S, TodayEnergy
from linky_exporter.metrics.catalogue import ENERGY_IMPORTED_JOULES_TOTAL, VOLTAGE_VOLTS
from linky_exporter.tic.horodate import PARIS

KEY = (ENERGY_IMPORTED_JOULES_TOTAL.name, ("021728123456",))
OTHER = (VOLTAGE_VOLTS.name, ("1",))


def at(text: str) -> float:
    """Unix time of a Paris wall-clock time."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def energy() -> TodayEnergy:
    return TodayEnergy(frozenset({KEY[0]}))


def test_a_day_read_across_midnight_is_whole_and_counts_from_the_last_value_before_it():
    today = energy()
    today.update(at("2024-03-05T23:59:30"), {KEY: 1000.0, OTHER: 230.0})
    today.update(at("2024-03-06T00:00:30"), {KEY: 1100.0})
    today.update(at("2024-03-06T08:00:00"), {KEY: 5000.0})
    day = today.today()
    assert (day.day, day.complete, day.since) == ("2024-03-06", True, at("2024-03-06T00:00:00"))
    assert dict(day.energy) == {KEY: 4000.0}  # the voltage is no register


def test_a_day_started_after_midnight_runs_from_the_first_frame():
    today = energy()
    today.update(at("2024-03-06T07:00:00"), {KEY: 1000.0})
    today.update(at("2024-03-06T08:00:00"), {KEY: 1500.0})
    day = today.today()
    assert (day.day, day.complete, day.since) == ("2024-03-06", False, at("2024-03-06T07:00:00"))
    assert dict(day.energy) == {KEY: 500.0}


def test_an_outage_across_midnight_leaves_the_new_day_partial():
    today = energy()
    today.update(at("2024-03-06T00:00:00") - CROSSING_S - 60, {KEY: 1000.0})
    today.update(at("2024-03-06T00:30:00"), {KEY: 1200.0})
    day = today.today()
    assert not day.complete and day.since == at("2024-03-06T00:30:00")
    assert dict(day.energy) == {KEY: 0.0}


def test_days_of_23_and_25_hours_end_at_the_local_midnight():
    for spring_or_autumn in ("2024-03-31", "2024-10-27"):
        following = {"2024-03-31": "2024-04-01", "2024-10-27": "2024-10-28"}[spring_or_autumn]
        today = energy()
        today.update(at(f"{spring_or_autumn}T00:10:00"), {KEY: 0.0})
        today.update(at(f"{spring_or_autumn}T23:59:50"), {KEY: 700.0})
        assert today.today().day == spring_or_autumn and dict(today.today().energy) == {KEY: 700.0}
        today.update(at(f"{following}T00:00:10"), {KEY: 710.0})
        day = today.today()
        assert (day.day, day.complete, dict(day.energy)) == (following, True, {KEY: 10.0})


def test_a_clock_set_back_a_day_starts_that_day_again():
    today = energy()
    today.update(at("2024-03-06T10:00:00"), {KEY: 1000.0})
    today.update(at("2024-03-05T10:00:00"), {KEY: 1000.0})
    assert today.today().day == "2024-03-05"
