"""docs/metrics.md, the catalogue in code and the live output are one contract."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from linky_exporter.metrics.catalogue import METRICS, Kind

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
GOLDEN = Path(__file__).parents[1] / "golden"


def documented_table() -> str:
    text = DOC.read_text()
    match = re.search(r"<!-- BEGIN GENERATED TABLE -->\n(.*)<!-- END GENERATED TABLE -->", text, re.S)
    assert match, "docs/metrics.md lost its generated-table markers"
    return match.group(1)


def documented_names() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", documented_table(), re.M))


def test_every_exposed_linky_metric_is_documented_with_its_type_and_labels():
    seen = 0
    for golden in sorted(GOLDEN.glob("*.prom")):
        for family in text_string_to_metric_families(golden.read_text()):
            for sample in family.samples:
                if not sample.name.startswith("linky_"):
                    continue
                spec = METRICS.get(sample.name)
                assert spec is not None, f"{sample.name} is exposed but not in docs/metrics.md"
                assert set(sample.labels) == set(spec.labels), (sample.name, sample.labels)
                expected_type = {Kind.INFO: "gauge", Kind.STATESET: "gauge"}.get(spec.kind, spec.kind.value)
                assert family.type == expected_type, (sample.name, family.type)
                seen += 1
    assert seen > 100


def test_names_follow_prometheus_conventions():
    for name, spec in METRICS.items():
        assert re.fullmatch(r"linky_[a-z0-9_]+", name)
        if spec.kind is Kind.COUNTER:
            assert name.endswith("_total")
        if spec.kind is Kind.INFO:
            assert name.endswith("_info")
        if spec.unit:
            assert spec.family.endswith("_" + spec.unit), name
        if spec.kind is Kind.STATESET:
            assert spec.labels[-1] == name, "a stateset's state label is named after the metric"
    assert documented_names() == set(METRICS)
