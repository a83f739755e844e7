"""Every PromQL block of the docs parses in a real Prometheus and uses contract names.

The server loads the recording rules and has no data: a query that Prometheus cannot
parse or evaluate returns an error, which fails the test. Grafana's range variables
are replaced by fixed durations first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.metric_contract import PROMETHEUS_SERIES, all_contract_labels, contract_metric_names, scan
from tests.support.promtools import DEPLOY, ROOT, PrometheusServer

DOCS = [ROOT / "docs" / "promql.md", ROOT / "docs" / "prometheus.md"]
GRAFANA_VARIABLES = {"$__range_s": "2592000", "$__range": "30d", "$__interval": "1m"}


def promql_blocks() -> list[tuple[str, str]]:
    blocks = []
    for path in DOCS:
        for number, block in enumerate(re.findall(r"```promql\n(.*?)```", path.read_text(), re.S), 1):
            blocks.append((f"{path.name}#{number}", block.strip()))
    return blocks


def with_grafana_variables(query: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        query = query.replace(variable, value)
    return query


def recorded_names() -> set[str]:
    text = "".join(path.read_text() for path in (DEPLOY / "rules").glob("*.yml"))
    return set(re.findall(r"- record: (\S+)", text))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    config = "rule_files:\n" + "".join(f"  - {path}\n" for path in sorted((DEPLOY / "rules").glob("*.yml")))
    prometheus = PrometheusServer(tmp_path_factory.mktemp("prometheus-docs"), config)
    try:
        yield prometheus.wait_ready()
    finally:
        prometheus.stop()


def test_the_docs_have_queries():
    assert len(promql_blocks()) >= 20


@pytest.mark.slow
@pytest.mark.parametrize(("where", "query"), promql_blocks(), ids=[where for where, _ in promql_blocks()])
def test_documented_query_runs(server, where, query):
    answer = server.api("/api/v1/query", query=with_grafana_variables(query), time="1738364400")
    assert answer["status"] == "success", f"{where}: {answer.get('error')}"


@pytest.mark.parametrize(("where", "query"), promql_blocks(), ids=[where for where, _ in promql_blocks()])
def test_documented_query_uses_contract_names(where, query):
    names, source = contract_metric_names()
    metrics, selector_labels, clause_labels = scan(with_grafana_variables(query))
    unknown = {m for m in metrics - names - recorded_names() - PROMETHEUS_SERIES if not m.startswith("prometheus_")}
    assert unknown == set(), f"{where}: not in {source}"
    assert (selector_labels | clause_labels) - all_contract_labels() == set(), where
