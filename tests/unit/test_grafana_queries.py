"""tests/support/grafana_queries.py: every panel query extracted, variables substituted as Grafana does."""

from __future__ import annotations

import json
import re

import pytest

from ..support.grafana_queries import (
    CONDITIONAL,
    PanelQuery,
    UnknownVariable,
    dashboards,
    panel_queries,
    regex_of,
    seconds,
    substitute,
    variable_selectors,
    walk_panels,
)

LEFTOVER = re.compile(r"\$\{?[A-Za-z_]|\[\[")


def test_one_query_per_target_and_per_repeated_copy():
    expected = 0
    for dashboard in dashboards():
        for panel in walk_panels(dashboard):
            expected += len(panel["targets"]) * (3 if panel.get("repeat") == "phase" else 1)
    queries = panel_queries(["linky"])
    assert len(queries) == expected > 50
    assert {q.dashboard_uid for q in queries} == {"linky-live", "linky-energy", "linky-health"}
    assert all(isinstance(q, PanelQuery) and q.expr and q.ref_id for q in queries)


def test_no_template_variable_is_left():
    for q in panel_queries(["mono", "tri"], rate_interval="2m", range="1h", compare_offset="1d"):
        assert not LEFTOVER.search(q.expr), q.where


def test_meters_become_an_escaped_regex():
    (q, *_) = [q for q in panel_queries(["my.meter", "tri"]) if q.panel_title == "Apparent power drawn"]
    assert 'meter=~"(my\\\\.meter|tri)"' in q.expr
    (q, *_) = [q for q in panel_queries(["linky"]) if q.panel_title == "Apparent power drawn"]
    assert 'meter=~"linky"' in q.expr
    assert regex_of(["a"]) == "a" and regex_of(["a", "b+"]) == "(a|b\\\\+)"


def test_intervals_and_ranges():
    queries = panel_queries(["m"], rate_interval="90s", range="2h", compare_offset="1d")
    text = "\n".join(q.expr for q in queries)
    assert "[90s]" in text and "[2h]" in text and "offset 1d" in text and "offset 2h" in text
    assert "* 7200 / 86400" in text  # $__range_s, replaced before $__range could eat its prefix
    assert 'label_replace(' in text and '"index $1"' in text  # a regex group is no variable
    hourly = next(q for q in queries if q.panel_title == "kWh per hour")
    assert (hourly.interval, hourly.instant, hourly.time_from) == ("1h", False, None)
    month = next(q for q in queries if q.panel_title == "This month by index")
    assert (month.instant, month.time_from) == (True, "now/M")


def test_repeated_panels_give_one_query_per_phase():
    copies = [q for q in panel_queries(["m"]) if q.raw_expr.startswith("linky_current_amperes") and q.repeat_value]
    assert [(q.panel_title, q.repeat_value) for q in copies] == [("Current L1", "1"), ("Current L2", "2"), ("Current L3", "3")]
    assert 'phase=~"2"' in copies[1].expr
    assert 'phase=~"(1|2|3)"' not in copies[1].expr


def test_conditional_queries_exist_and_are_marked():
    queries = panel_queries(["m"])
    keys = {(q.dashboard_uid, q.panel_title, q.ref_id): q for q in queries}
    for key, condition in CONDITIONAL.items():
        assert keys[key].condition == condition
    assert sum(q.condition is not None for q in queries) == len(CONDITIONAL)


def test_an_unknown_variable_is_an_error(tmp_path):
    dashboard = {"uid": "x", "templating": {"list": []},
                 "panels": [{"id": 1, "type": "stat", "title": "t", "targets": [{"refId": "A", "expr": "up{job=\"$job\"}"}]}]}
    (tmp_path / "x.json").write_text(json.dumps(dashboard))
    with pytest.raises(UnknownVariable, match=r"\$job"):
        panel_queries(["m"], directory=tmp_path)
    with pytest.raises(ValueError):
        panel_queries([])


def test_substitute_forms():
    values = {"meter": "(a|b)", "__range": "5m", "__range_s": "300"}
    assert substitute('x{meter=~"$meter"} ${meter} ${meter:regex} [[meter]] $__range_s $__range',
                      values) == 'x{meter=~"(a|b)"} (a|b) (a|b) (a|b) 300 5m'


def test_variable_selectors():
    found = variable_selectors(["a", "b"])
    assert ("linky-live", "meter", "meter", "linky_up") in found
    assert ("linky-live", "phase", "phase", 'linky_current_amperes{meter=~"(a|b)"}') in found


def test_seconds():
    assert seconds("1h30m") == 5400 and seconds("15s") == 15 and seconds("2d") == 172800
    with pytest.raises(ValueError):
        seconds("1 hour")
