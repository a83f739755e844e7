"""report/schedules.py and report/localtime.py: off-peak hours as people write them, and the
meter's local time (days of 23 and 25 hours, the Tempo day, the ledger's grid)."""

from __future__ import annotations

from datetime import date

import pytest

from linky_exporter.report.localtime import day_lengths, grid, midnight, tempo_day_of
from linky_exporter.report.schedules import parse_schedule


def test_a_schedule_holds_its_minutes_and_wraps_midnight():
    schedule = parse_schedule("22:00-06:00")
    assert 22 * 60 in schedule and 5 * 60 + 59 in schedule and 6 * 60 not in schedule and 12 * 60 not in schedule
    assert schedule.edges == {22 * 60, 6 * 60}
    two = parse_schedule("02:00-07:00, 13:30-16:00")
    assert 14 * 60 in two and 16 * 60 not in two and str(two) == "02:00-07:00,13:30-16:00"
    odd = parse_schedule("23:06-07:06")
    assert 23 * 60 + 6 in odd and 23 * 60 + 5 not in odd and 7 * 60 + 5 in odd
    to_midnight = parse_schedule("20:00-24:00")
    assert 20 * 60 in to_midnight and 23 * 60 + 59 in to_midnight and 0 not in to_midnight


@pytest.mark.parametrize("text, message", [
    ("", "expected off-peak hours"),
    ("22h-6h", "is not HH:MM-HH:MM"),
    ("25:00-06:00", "is not a time of day"),
    ("22:00-22:00", "is empty"),
    ("22:00-06:00,05:00-07:00", "overlap"),
])
def test_a_bad_schedule_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(text)


def test_days_count_whole_whatever_their_hours():
    spring, autumn = date(2025, 3, 30), date(2025, 10, 26)
    assert midnight(date(2025, 3, 31)) - midnight(spring) == 23 * 3600
    assert midnight(date(2025, 10, 27)) - midnight(autumn) == 25 * 3600
    assert day_lengths(midnight(date(2025, 3, 1)), midnight(date(2025, 5, 1))) == pytest.approx(61)
    assert day_lengths(midnight(autumn), midnight(date(2025, 10, 27))) == pytest.approx(1)
    assert day_lengths(midnight(spring) + 3600 * 23 // 2, midnight(date(2025, 3, 31))) == pytest.approx(0.5)


def test_the_tempo_day_changes_at_six():
    assert tempo_day_of(midnight(date(2025, 3, 5)) + 5 * 3600 + 3599) == date(2025, 3, 4)
    assert tempo_day_of(midnight(date(2025, 3, 5)) + 6 * 3600) == date(2025, 3, 5)
    # 06:00 on the morning the clocks go forward is 5 h after midnight
    assert tempo_day_of(midnight(date(2025, 3, 30)) + 5 * 3600) == date(2025, 3, 30)


def test_the_grid_has_every_half_hour_and_the_schedules_odd_minutes():
    start = midnight(date(2025, 3, 1))
    edges = grid(start, start + 86400, frozenset({0, 30}))
    assert len(edges) == 49 and edges[1] - edges[0] == 1800
    odd = grid(start, start + 86400, frozenset({0, 30, 6}))
    assert len(odd) == 49 + 24 and start + 6 * 60 in odd
