"""The provisioned dashboards: Grafana's schema, the house rules, and the metric contract.

Range rule (test_ranges_follow_the_rule): rate() and irate() always use
$__rate_interval, which Grafana keeps at least 4 scrape intervals wide. increase()
uses $__rate_interval (a smooth curve), $__range (a total over the dashboard's or the
panel's time range), or a literal bucket (1h, 1d, 30d) equal to the target's fixed
``interval`` so that one bar is exactly one bucket, without gaps or overlaps. An
``offset`` is $__range (the range before) or $compare_offset (the user's choice).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from linky_exporter.metrics.catalogue import METRICS

from ..support.grafana_queries import DASHBOARD_DIR, ROOT, dashboards, metric_names, walk_panels

SCHEMA = ROOT / "tests" / "schemas" / "grafana-dashboard.schema.json"
METRICS_DOC = ROOT / "docs" / "metrics.md"
PROVISIONING = ROOT / "deploy" / "grafana" / "provisioning"
DATASOURCE_REF = {"type": "prometheus", "uid": "${datasource}"}
UIDS = {"linky-live", "linky-energy", "linky-health"}
# Grafana unit ids: the electrical ones of the issue, and generic ones for ratios, ages,
# throughputs and bare numbers.
ALLOWED_UNITS = {"watt", "voltamp", "amp", "volt", "kwatth", "currencyEUR",
                 "percent", "percentunit", "s", "cps", "reqps", "Bps", "none"}
RANGE_FUNCTION = re.compile(r"\b(rate|irate|increase|delta|deriv|\w+_over_time)\s*\(\s*([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?\s*\[([^\]]+)\]")

ALL = [(d["uid"], d) for d in dashboards()]
ids = [uid for uid, _ in ALL]


def all_targets():
    for uid, dashboard in ALL:
        for panel in walk_panels(dashboard):
            for target in panel.get("targets", []):
                yield uid, panel, target


def contract_names() -> set[str]:
    """Metric names of the catalogue table in docs/metrics.md (the exporter's contract)."""
    text = METRICS_DOC.read_text()
    table = re.search(r"<!-- BEGIN GENERATED TABLE -->\n(.*)<!-- END GENERATED TABLE -->", text, re.S)
    assert table, "docs/metrics.md lost its generated-table markers"
    return set(re.findall(r"^\| `([a-z_:]+)` \|", table.group(1), re.M))


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


@pytest.mark.parametrize("uid,dashboard", ALL, ids=ids)
def test_dashboard_validates_against_grafana_schema(validator, uid, dashboard):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(dashboard)]
    assert not errors, "\n".join(errors)


def test_schema_is_strict_enough_to_catch_a_misspelt_key(validator):
    dashboard = copy.deepcopy(ALL[0][1])
    panel = next(p for p in dashboard["panels"] if p["type"] != "row")
    panel["datsource"] = panel.pop("datasource")
    assert list(validator.iter_errors(dashboard)), "a misspelt panel key must fail validation"
    dashboard = copy.deepcopy(ALL[0][1])
    dashboard["templating"]["list"][0]["hide"] = "yes"
    assert list(validator.iter_errors(dashboard))


def test_uids_are_fixed_unique_and_name_the_files():
    assert sorted(ids) == sorted(UIDS)
    assert {p.stem for p in DASHBOARD_DIR.glob("*.json")} == UIDS


@pytest.mark.parametrize("uid,dashboard", ALL, ids=ids)
def test_datasource_and_meter_variables(uid, dashboard):
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    ds = variables["datasource"]
    assert (ds["type"], ds["query"]) == ("datasource", "prometheus")
    meter = variables["meter"]
    assert meter["type"] == "query" and meter["multi"] and meter["includeAll"]
    assert meter["query"] == "label_values(linky_up, meter)"
    assert "allValue" not in meter  # All = a regex of the listed meters, so =~ stays exact
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"] == DATASOURCE_REF


@pytest.mark.parametrize("uid,dashboard", ALL, ids=ids)
def test_every_panel_and_query_uses_the_datasource_variable(uid, dashboard):
    panels = list(walk_panels(dashboard))
    assert len(panels) >= 8
    for panel in panels:
        assert panel.get("datasource") == DATASOURCE_REF, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target.get("datasource", DATASOURCE_REF) == DATASOURCE_REF, panel["title"]


def test_queries_filter_on_meter_and_hard_code_no_instance():
    for uid, panel, target in all_targets():
        expr = target["expr"]
        assert not re.search(r"\b(instance|job)\s*(=|!=|=~|!~)", expr), (uid, panel["title"])
        for selector in re.finditer(r"\b(linky_[\w:]+)\s*(\{[^}]*\})?", expr):
            spec = METRICS.get(selector.group(1))  # None: a recording rule, per meter
            if spec is not None and "meter" not in spec.labels:  # the exporter's version and HTTP side
                assert 'linky_up{meter=~"$meter"}' in expr, (uid, panel["title"], "join it to the selected meters")
                continue
            assert selector.group(2) and 'meter=~"$meter"' in selector.group(2), (uid, panel["title"], selector.group())


# The one subquery form allowed: a bucket shifted by the "Compare with" variable.
COMPARE_SUBQUERY = re.compile(r"\[1m:1m\] offset \$compare_offset")


def test_ranges_follow_the_rule():
    checked = buckets = 0
    for uid, panel, target in all_targets():
        expr, where = target["expr"], (uid, panel["title"], target["refId"])
        expr = COMPARE_SUBQUERY.sub("", expr)
        ranges = RANGE_FUNCTION.findall(expr)
        assert len(ranges) == expr.count("["), f"{where}: a range outside rate/irate/increase(metric[...])"
        bucket_offsets = set()
        for function, _metric, _matchers, window in ranges:
            checked += 1
            # max_over_time: which supplier indexes counted in the range or bucket (promql.used_supplier_index)
            assert function in ("rate", "irate", "increase", "last_over_time", "max_over_time"), where
            if function in ("rate", "irate"):
                assert window == "$__rate_interval", where
            elif window not in ("$__rate_interval", "$__range") or function == "last_over_time":
                # A literal window is a bucket: one per step (the target's interval), the one
                # that starts at the point (offset -window), since Grafana rounds the end of
                # the range down to the step (deploy/grafana/linky_dashboards/promql.py window()).
                assert re.fullmatch(r"\d+[hdw]", window) and target.get("interval") == window, (
                    f"{where}: {function} over a literal {window} needs the target interval {window}")
                assert f"[{window}] offset -{window}" in expr, f"{where}: the bucket [{window}] must start at its point"
                bucket_offsets.add(f"-{window}")
                buckets += 1
        custom = panel["fieldConfig"]["defaults"].get("custom", {})
        if ranges and custom.get("drawStyle") == "bars":
            assert custom["barAlignment"] == (1 if bucket_offsets else -1), f"{where}: a bar must cover what it counts"
        for offset in re.findall(r"\boffset\s+(-?[$\w]+)", expr):
            assert offset in ("$__range", "$compare_offset") or offset in bucket_offsets, where
    assert checked > 25 and buckets >= 8


def test_previous_month_panels_are_this_month_shifted():
    """Grafana reads timeFrom "now-1M/M" as now-1M/M..now: two months, not the previous one."""
    shifted = 0
    for uid, panel, _ in all_targets():
        assert not re.search(r"now-\d", panel.get("timeFrom", "")), (uid, panel["title"], panel["timeFrom"])
        if "revious month" in panel["title"]:
            assert (panel["timeFrom"], panel.get("timeShift")) == ("now/M", "1M/M"), panel["title"]
            shifted += 1
    assert shifted >= 2


def test_units_come_from_the_allowed_set():
    for uid, dashboard in ALL:
        for panel in walk_panels(dashboard):
            config = panel["fieldConfig"]
            assert config["defaults"]["unit"] in ALLOWED_UNITS, (uid, panel["title"])
            for override in config["overrides"]:
                for prop in override["properties"]:
                    if prop["id"] == "unit":
                        assert prop["value"] in ALLOWED_UNITS, (uid, panel["title"])


def test_every_metric_name_is_in_the_contract():
    contract = contract_names()
    assert len(contract) > 40 and "linky_up" in contract
    used = set()
    for uid, panel, target in all_targets():
        names = metric_names(target["expr"])
        assert names, (uid, panel["title"])
        unknown = names - contract
        assert not unknown, f"{uid} {panel['title']!r}: {sorted(unknown)} not in docs/metrics.md"
        used |= names
    for _, dashboard in ALL:
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                selector = re.fullmatch(r"label_values\((.+),\s*\w+\)", variable["query"]).group(1)
                assert metric_names(selector) <= contract
    assert len(used) >= 30


def test_metric_name_extraction():
    expr = ('sum by (meter) (rate(a_total{x="y(z)"}[$__rate_interval] offset 1d)) / 3.6e6 '
            '* on(meter, index) group_left(name) b_info or label_replace(c, "name", "index $1", "index", "(.+)")'
            ' and time() - d unless count_values by (m) ("index", e) > bool 0')
    assert metric_names(expr) == {"a_total", "b_info", "c", "d", "e"}


def test_energy_by_index_is_stacked_and_named_from_tariff_index_info():
    energy = dict(ALL)["linky-energy"]
    per_index = [p for p in walk_panels(energy) if p["title"] in ("kWh per hour", "kWh per day", "kWh per 30 days")]
    assert len(per_index) == 3
    for panel in per_index:
        assert panel["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"
        assert panel["fieldConfig"]["defaults"]["unit"] == "kwatth"
        target = panel["targets"][0]
        assert "linky_tariff_index_info" in target["expr"] and "{{name}}" in target["legendFormat"]


@pytest.mark.parametrize("uid,dashboard", ALL, ids=ids)
def test_layout_ids_and_repeats(uid, dashboard):
    panel_ids = [p["id"] for p in dashboard["panels"]]
    assert len(panel_ids) == len(set(panel_ids))
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24
    names = {v["name"] for v in dashboard["templating"]["list"]}
    for panel in walk_panels(dashboard):
        if "repeat" in panel:
            assert panel["repeat"] in names


def test_datasource_provisioning():
    config = yaml.safe_load((PROVISIONING / "datasources" / "linky.yml").read_text())
    assert config["apiVersion"] == 1
    (source,) = config["datasources"]
    assert (source["type"], source["uid"], source["access"]) == ("prometheus", "linky-prometheus", "proxy")
    # Grafana expands $VAR/${VAR} only; ${VAR:-default} would be read as a variable's name.
    assert source["url"] == "${LINKY_PROMETHEUS_URL}"
    for _, dashboard in ALL:
        current = next(v for v in dashboard["templating"]["list"] if v["name"] == "datasource")["current"]
        assert (current["text"], current["value"]) == (source["name"], source["uid"])


def test_dashboard_provider_points_at_the_mounted_dashboards():
    config = yaml.safe_load((PROVISIONING / "dashboards" / "linky.yml").read_text())
    (provider,) = config["providers"]
    assert provider["type"] == "file"
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    mounts = dict(reversed(v.split(":")[:2]) for v in compose["services"]["grafana"]["volumes"])
    assert (ROOT / "deploy" / mounts[provider["options"]["path"]]).resolve() == DASHBOARD_DIR
    assert (ROOT / "deploy" / mounts["/etc/grafana/provisioning"]).resolve() == PROVISIONING
    home = compose["services"]["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).parent.as_posix() == provider["options"]["path"] and (DASHBOARD_DIR / Path(home).name).is_file()


def test_dashboards_read_no_recorded_series():
    """docs/grafana.md promises dashboards that work with or without the recording rules.

    The rules' own names are held against docs/metrics.md by test_prometheus_config.py;
    a dashboard that starts using one must make the rule files part of its contract and
    the recorded name must exist there.
    """
    recorded = set()
    for path in (ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            recorded |= {rule["record"] for rule in group["rules"] if "record" in rule}
    assert len(recorded) > 10
    for uid, panel, target in all_targets():
        names = metric_names(target["expr"])
        colon = {name for name in names if ":" in name}
        assert not colon & recorded, f"{uid} {panel['title']!r} reads recorded series {sorted(colon & recorded)}"
        assert not colon - recorded, f"{uid} {panel['title']!r}: {sorted(colon - recorded)} recorded by no rule"
