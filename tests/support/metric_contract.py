"""The metric contract that rules, alerts and documented queries are held against.

The contract is the exporter's catalogue (linky_exporter/metrics/catalogue.py, which
docs/metrics.md lists): each metric by the name a query uses and the labels its series
carry. tests/unit/test_metric_contract.py holds it equal to what the collector exposes.

The PromQL scanner is deliberately small: it removes string literals, range and
offset durations and label-list clauses, then reads selectors. It is meant for the
queries of this repository, which Prometheus itself parses in other tests.
"""

from __future__ import annotations

import re

from linky_exporter.metrics.catalogue import METRICS

SOURCE = "linky_exporter/metrics/catalogue.py"

# metric name -> label names its series carry (besides the target labels job and instance).
# The catalogue names both as exposed: counters end in _total and info metrics in _info
# (MetricSpec.family is the name prometheus_client is given), a stateset's state label is
# named after the metric, and the meter's series carry `meter` while the exporter's build
# and HTTP metrics, one series per exporter, do not.
CONTRACT: dict[str, frozenset[str]] = {name: frozenset(spec.labels) for name, spec in METRICS.items()}

# Series that come from Prometheus itself, not from the exporter.
PROMETHEUS_SERIES = frozenset({"up"})
TARGET_LABELS = frozenset({"job", "instance"})
# Labels added by the shipped configurations (prometheus.yml, agent.yml, federation.yml).
CONFIG_LABELS = frozenset({"site"})


def contract_metric_names() -> tuple[frozenset[str], str]:
    """The contract's metric names and where they were read from."""
    return frozenset(CONTRACT), SOURCE


def all_contract_labels() -> frozenset[str]:
    return frozenset().union(*CONTRACT.values()) | TARGET_LABELS | CONFIG_LABELS


_KEYWORDS = frozenset(
    "by without on ignoring group_left group_right and or unless offset bool atan2 inf nan".split()
)
_IDENT = r"[a-zA-Z_:][a-zA-Z0-9_:]*"


def scan(expr: str) -> tuple[set[str], set[str], set[str]]:
    """(metric names, label names used in selectors, label names used in clauses)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"#[^\n]*", " ", text)
    clause_labels: set[str] = set()

    def take_clause(match: re.Match[str]) -> str:
        clause_labels.update(re.findall(_IDENT, match.group(2)))
        return " "

    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)", take_clause, text)
    selector_labels: set[str] = set()

    def take_selector(match: re.Match[str]) -> str:
        selector_labels.update(re.findall(r"(" + _IDENT + r")\s*(?:=~|!~|!=|=)", match.group(0)))
        return " "

    text = re.sub(r"\{[^{}]*\}", take_selector, text)
    text = re.sub(r"\[[^\[\]]*\]", " ", text)  # ranges and subqueries: [5m], [1d:1h]
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    text = re.sub(r"@\s*(?:start\(\)|end\(\)|[0-9.]+)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])(" + _IDENT + r")(\s*\()?", text):
        word, is_call = match.group(1), match.group(2)
        if is_call or word.lower() in _KEYWORDS or re.fullmatch(r"[0-9a-fA-Fx.eE+-]+", word):
            continue
        names.add(word)
    return names, selector_labels, clause_labels
