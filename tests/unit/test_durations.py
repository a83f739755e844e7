"""linky_exporter/grammar/durations.py: the one duration grammar of flags, simulator URLs and the web config file."""

from __future__ import annotations

import math

import pytest

from linky_exporter.config.values import parse_duration as flag_duration
from linky_exporter.grammar.durations import parse_duration, parse_go_duration
from linky_exporter.grammar.durations import parse_nonnegative_duration as url_duration


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


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1), ("250ms", 0.25), ("1m30s", 90), ("30s1m", 90), (".5s", 0.5),
                                               ("1.s", 1), ("0", 0), ("10us", 1e-5), ("10µs", 1e-5), ("7ns", 7e-9)])
def test_go_grammar(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "1d", "", "1h 30m", "-1s", 5, True])
def test_what_go_does_not_read_as_a_duration(text):
    with pytest.raises(ValueError, match="Go duration"):
        parse_go_duration(text)


@pytest.mark.parametrize("text", ["30s1m", ".5s", "1.s", "10us", "7ns"])
def test_the_exporter_grammar_keeps_its_order_and_units(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)
