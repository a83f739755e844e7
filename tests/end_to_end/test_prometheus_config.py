"""deploy/prometheus/ is valid for the real tools, fully unit-tested, and uses the contract.

- promtool check config (server, agent, federation), promtool check rules,
  promtool test rules, amtool check-config: all must pass (missing tools fail).
- Every alert has a promtool test where it does not fire, fires, and resolves;
  every recording rule has a promtool test with expected values.
- Rules as Prometheus itself loads them (GET /api/v1/rules): alert naming,
  severity and annotations, and every metric and label name they use.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.support.metric_contract import PROMETHEUS_SERIES, all_contract_labels, contract_metric_names, scan
from tests.support.promtools import DEPLOY, PrometheusServer, run_tool

RULE_FILES = sorted((DEPLOY / "rules").glob("*.yml"))
UNIT_TEST_FILES = sorted((DEPLOY / "tests").glob("*.yml"))
SEVERITIES = {"critical", "warning", "info"}


@pytest.fixture(scope="module")
def loaded_rules(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The rules as a real Prometheus parsed them (no scrape targets)."""
    workdir = tmp_path_factory.mktemp("prometheus-rules")
    config = "rule_files:\n" + "".join(f"  - {path}\n" for path in RULE_FILES)
    server = PrometheusServer(workdir, config)
    try:
        server.wait_ready()
        groups = server.api("/api/v1/rules")["data"]["groups"]
    finally:
        server.stop()
    return [rule for group in groups for rule in group["rules"]]


def _alerts(rules: list[dict]) -> list[dict]:
    return [rule for rule in rules if rule["type"] == "alerting"]


def _records(rules: list[dict]) -> list[dict]:
    return [rule for rule in rules if rule["type"] == "recording"]


# --- the real tools -------------------------------------------------------------------

def test_promtool_checks_the_server_config_and_its_rule_files():
    done = run_tool("promtool", "check", "config", "--lint=all", "--lint-fatal", DEPLOY / "prometheus.yml")
    assert f"{len(RULE_FILES)} rule files found" in done.stdout


def test_promtool_checks_the_agent_config():
    run_tool("promtool", "check", "config", "--agent", DEPLOY / "agent.yml")


def test_promtool_checks_the_federation_example():
    run_tool("promtool", "check", "config", DEPLOY / "federation.yml")


def test_promtool_checks_the_rules():
    done = run_tool("promtool", "check", "rules", "--lint=all", "--lint-fatal", *RULE_FILES)
    assert done.stdout.count("SUCCESS") == len(RULE_FILES)


@pytest.mark.slow
def test_promtool_unit_tests_pass():
    assert len(UNIT_TEST_FILES) >= 2
    done = run_tool("promtool", "test", "rules", *UNIT_TEST_FILES, timeout=120)
    assert done.stdout.count("SUCCESS") == len(UNIT_TEST_FILES), done.stdout


def test_amtool_checks_the_alertmanager_example():
    done = run_tool("amtool", "check-config", DEPLOY / "alertmanager.yml")
    assert "SUCCESS" in done.stdout


# --- coverage of the promtool unit tests -----------------------------------------------

def _minutes(duration: str) -> float:
    units = {"d": 1440, "h": 60, "m": 1, "s": 1 / 60}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([dhms])", duration))


def _unit_test_blocks() -> list[str]:
    blocks = []
    for path in UNIT_TEST_FILES:
        blocks += re.split(r"\n  - name: ", path.read_text())[1:]
    return blocks


@pytest.mark.slow
def test_every_alert_is_tested_not_firing_firing_and_resolved(loaded_rules):
    """For each alert, some test shows one label set absent, then firing, then gone."""
    proven: set[str] = set()
    tested: set[str] = set()
    for block in _unit_test_blocks():
        items = re.split(r"\n\s+- eval_time: ", block)[1:]
        timelines: dict[str, list[tuple[float, frozenset[str]]]] = defaultdict(list)
        for item in items:
            eval_time, name = re.match(r"(\S+)\n\s+alertname: (\w+)\n", item).groups()
            firing = frozenset(re.findall(r"- exp_labels: (\{.*\})", item))
            assert bool(firing) != bool(re.search(r"exp_alerts: \[\]", item)), f"{name} at {eval_time}"
            timelines[name].append((_minutes(eval_time), firing))
        for name, timeline in timelines.items():
            tested.add(name)
            timeline.sort(key=lambda point: point[0])
            for i, (_, firing) in enumerate(timeline):
                for labels in firing:
                    before = any(labels not in f for _, f in timeline[:i])
                    after = any(labels not in f for _, f in timeline[i + 1 :])
                    if before and after:
                        proven.add(name)

    names = {rule["name"] for rule in _alerts(loaded_rules)}
    assert sorted(names - tested) == [], "alerts without any unit test"
    assert sorted(names - proven) == [], "alerts not shown not firing, firing and resolved"
    assert sorted(tested - names) == [], "unit tests of alerts that do not exist"


@pytest.mark.slow
def test_every_recording_rule_is_tested_with_values(loaded_rules):
    tested: set[str] = set()
    for block in _unit_test_blocks():
        for expr, empty in re.findall(r"- expr: (.+)\n\s+eval_time: \S+\n\s+exp_samples:(.*)", block):
            if empty.strip() != "[]":
                tested |= scan(expr)[0]
    untested = sorted(rule["name"] for rule in _records(loaded_rules) if rule["name"] not in tested)
    assert untested == []


# --- conventions and the contract -------------------------------------------------------

@pytest.mark.slow
def test_alerts_follow_the_monitoring_mixins_conventions(loaded_rules):
    alerts = _alerts(loaded_rules)
    assert len(alerts) >= 14
    for alert in alerts:
        assert re.fullmatch(r"Linky(?:[A-Z][a-z]+)+", alert["name"]), alert["name"]
        assert alert["labels"].get("severity") in SEVERITIES, alert["name"]
        assert set(alert["annotations"]) == {"summary", "description"}, alert["name"]
        assert len(alert["annotations"]["description"]) > len(alert["annotations"]["summary"]), alert["name"]


@pytest.mark.slow
def test_recording_rules_are_named_level_metric_operations(loaded_rules):
    for rule in _records(loaded_rules):
        level, metric, operations = rule["name"].split(":")
        assert re.fullmatch(r"meter(?:_index)?", level), rule["name"]
        assert metric.startswith("linky_") and not metric.endswith("_total"), rule["name"]
        assert re.fullmatch(r"(rate5m|avg1m|avg5m|increase1h|increase1d)", operations), rule["name"]


@pytest.mark.slow
def test_rules_use_only_contract_metrics_and_labels(loaded_rules):
    names, source = contract_metric_names()
    recorded = {rule["name"] for rule in _records(loaded_rules)}
    labels = all_contract_labels()
    for rule in loaded_rules:
        metrics, selector_labels, clause_labels = scan(rule["query"])
        unknown = metrics - names - recorded - PROMETHEUS_SERIES
        assert unknown == set(), f"{rule['name']}: not in {source}"
        assert (selector_labels | clause_labels) - labels == set(), rule["name"]


def test_the_scanner_finds_names_and_labels():
    metrics, selector, clause = scan(
        'sum without (register) (rate(linky_x_total{result="a b{c}"}[5m] offset 1d)) '
        "/ on (meter) group_left meter:linky_y:rate5m > 3.6e6 and hour() >= 12"
    )
    assert metrics == {"linky_x_total", "meter:linky_y:rate5m"}
    assert selector == {"result"}
    assert clause == {"register", "meter"}


@pytest.mark.slow
def test_alertmanager_example_names_existing_alerts(loaded_rules):
    text = (DEPLOY / "alertmanager.yml").read_text()
    named = set(re.findall(r"\bLinky[A-Z]\w+", text))
    assert named, "the example should route or inhibit Linky alerts by name"
    assert named - {rule["name"] for rule in _alerts(loaded_rules)} == set()


@pytest.mark.slow
def test_the_prometheus_flags_the_docs_recommend_are_accepted(tmp_path):
    """docs/prometheus.md's ARGS line (retention and the hidden scrape timestamp
    tolerance) given to a real Prometheus with the shipped configuration: it starts."""
    doc = (DEPLOY.parent.parent / "docs" / "prometheus.md").read_text()
    args = re.search(r'^ARGS="([^"]+)"$', doc, re.M).group(1).split()
    assert "--scrape.timestamp-tolerance=10ms" in args
    server = PrometheusServer(tmp_path, (DEPLOY / "prometheus.yml").read_text(), extra_flags=tuple(args))
    try:
        server.wait_ready()
        flags = server.api("/api/v1/status/flags")["data"]
        assert flags["scrape.timestamp-tolerance"] == "10ms" and flags["storage.tsdb.retention.time"] == "2y"
    finally:
        server.stop()
