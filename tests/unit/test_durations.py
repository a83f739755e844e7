"""linky_exporter/durations.py: the one duration grammar of flags and simulator URLs."""

from __future__ import annotations

import math

import pytest

from linky_exporter.durations import parse_duration
from linky_exporter.settings_values import parse_duration as flag_duration
from linky_exporter.simulator.timespec import parse_duration as url_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("1.5", 1.5), ("500ms", 0.5), ("30s", 30), ("10m", 600), ("1h30m", 5400), ("1.5h", 5400),
     ("2d", 172800), ("1d2h3m4s5ms", 93784.005), (" 5m ", 300), ("0", 0)],
)
def test_the_grammar(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "5x", "30s1h", "5m5m", "1h 30m", "-5s", "5 s", "½h", "5ms5s"])
def test_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_bare_numbers_come_back_as_read_and_callers_bound_them():
    assert parse_duration("-1") == -1 and math.isnan(parse_duration("nan"))
    with pytest.raises(ValueError, match="above 0"):
        flag_duration("-1")
    with pytest.raises(ValueError, match="is not a duration"):
        url_duration("nan")
    assert url_duration("0") == 0 and flag_duration("2d") == 172800
