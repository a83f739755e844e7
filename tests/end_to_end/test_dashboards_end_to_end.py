"""Every panel of every dashboard shows data: the real exporter, a real Prometheus, every query.

One exporter process reads five simulated meters in-process, at 300 simulated seconds per
real second, started at instants chosen so that things happen within the test:

- ``mono``: standard, single-phase, HC/HP contract, from 21:58: off-peak starts at 22:00;
- ``tri``: standard, three-phase, HC/HP, from 05:58: peak hours start at 06:00;
- ``producer``: standard, producer, on a June noon: the panels inject;
- ``tempo``: standard, Tempo, in January from 19:58: tomorrow's colour is announced at 20:00;
- ``hist``: historique, single-phase, HC/HP, with an overload from its second minute on:
  ADPS, the over-current warning, is sent (the one query that is empty in ordinary operation).

Prices are configured for every meter. Prometheus scrapes every second and loads the
shipped rule files. Then every panel query (tests/support/grafana_queries.py), timed as Grafana
times it (tests/support/grafana_runner.py), must return at least one series, with finite values
only; and every template variable must offer values. The test polls until that holds: a
query still empty at the deadline is a panel that would show nothing to a user.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ..support.demo_meters import METERS, PRICES, SCRAPE
from ..support.exporter_process import Exporter
from ..support.grafana_queries import variable_selectors
from ..support.grafana_runner import GrafanaLike
from ..support.promtools import DEPLOY, PrometheusServer, poll

# Starts Prometheus and waits for its rules over simulated meters.
pytestmark = pytest.mark.slow

# Compressed waits (tests/support/grafana_runner.py): "last 15 seconds" as the dashboard range,
# a month's time shift and the week of "Compare with" as 15 seconds each. The oldest data
# a query needs is then 2 x 15 s (a range against the one before it).
COMPRESSED = 15
DEADLINE = 100  # seconds for every panel to show data; about 35 are needed


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Exporter, PrometheusServer]]:
    workdir = tmp_path_factory.mktemp("dashboards-e2e")
    config = workdir / "linky.yml"
    config.write_text(PRICES)
    sources = [arg for name, url in METERS.items() for arg in ("--tic.source", f"{name}={url}")]
    with Exporter("--config.file", str(config), *sources) as exporter:
        rules = "".join(f"  - {path}\n" for path in sorted((DEPLOY / "rules").glob("*.yml")))
        prometheus = PrometheusServer(workdir / "prometheus", f"""\
global:
  scrape_interval: {SCRAPE:g}s
  evaluation_interval: {SCRAPE:g}s
rule_files:
{rules}scrape_configs:
  - job_name: linky
    static_configs:
      - targets: ["127.0.0.1:{exporter.port}"]
""")
        try:
            yield exporter, prometheus.wait_ready()
        finally:
            prometheus.stop()


def label_values(prometheus: PrometheusServer, label: str, selector: str) -> list[str]:
    now = time.time()
    answer = prometheus.api(f"/api/v1/label/{label}/values", **{"match[]": selector, "start": f"{now - 3600:.0f}",
                                                                  "end": f"{now:.0f}"})
    assert answer["status"] == "success", answer
    return answer["data"]


def test_every_variable_offers_values(stack):
    _, prometheus = stack
    selectors = variable_selectors(list(METERS))
    assert {(uid, name) for uid, name, _, _ in selectors} >= {("linky-live", "meter"), ("linky-live", "phase")}
    for uid, name, label, selector in selectors:
        values = poll(lambda: label_values(prometheus, label, selector), timeout=30, what=f"{uid} ${name}")
        if name == "meter":
            assert sorted(values) == sorted(METERS), (uid, values)
        if name == "phase":
            assert values == ["1", "2", "3"], values  # the three-phase meter brings L2 and L3


def test_every_panel_query_returns_finite_data(stack):
    exporter, prometheus = stack
    selector = 'linky_current_amperes{meter=~"' + "|".join(METERS) + '"}'
    phases = sorted(poll(lambda: label_values(prometheus, "phase", selector), timeout=30, what="phases"))
    grafana = GrafanaLike(prometheus, list(METERS), phases, scrape_interval=SCRAPE, dashboard_range=COMPRESSED,
                          shift=COMPRESSED, compare_offset=f"{COMPRESSED}s")
    started = time.monotonic()
    report: dict[str, list] = {}

    def everything_shows() -> bool:
        executions = grafana.execute_all(time.time())
        report["executions"] = executions
        report["empty"] = [(e.query.where, e.problem(), e.params) for e in executions if e.problem()]
        return not report["empty"]

    deadline = started + DEADLINE
    while not everything_shows():
        if time.monotonic() > deadline:
            lines = "\n".join(f"- {where}: {problem}\n    {params}" for where, problem, params in report["empty"])
            pytest.fail(f"{len(report['empty'])} of {len(report['executions'])} panel queries show nothing after "
                        f"{DEADLINE} s:\n{lines}\nexporter log:\n{exporter.log()[-2000:]}")
        time.sleep(1)
    executions = report["executions"]
    print(f"\n{len(executions)} panel queries ({sum(e.kind == 'range' for e in executions)} range, "
          f"{sum(e.kind == 'instant' for e in executions)} instant) all showed data after "
          f"{time.monotonic() - started:.0f} s")
    assert len(executions) > 60
    assert any(e.query.condition for e in executions), "the conditional query was run and filled too"


def test_the_rules_evaluate_without_error(stack):
    _, prometheus = stack

    def evaluated() -> list[dict] | None:
        groups = prometheus.api("/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        return rules if rules and all(rule["health"] != "unknown" for rule in rules) else None

    rules = poll(evaluated, timeout=90, what="every rule evaluated once")
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []
    assert len(rules) > 20
