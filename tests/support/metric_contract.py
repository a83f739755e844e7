"""The metric contract that rules, alerts and documented queries are held against.

Metric NAMES come from docs/metrics.md when it exists (the exporter's catalogue, one
table row per metric with the name in backticks in the first cell); until then from
CONTRACT below, a copy of the contract table of the project context. LABEL names are
always checked against CONTRACT.

The PromQL scanner is deliberately small: it removes string literals, range and
offset durations and label-list clauses, then reads selectors. It is meant for the
queries of this repository, which Prometheus itself parses in other tests.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
METRICS_DOC = ROOT / "docs" / "metrics.md"

# metric name -> label names it carries (besides the target labels job and instance)
CONTRACT: dict[str, frozenset[str]] = {
    name: frozenset(labels.split())
    for name, labels in {
        "linky_up": "meter",
        "linky_meter_info": "meter serial mode tariff_option tic_version phases producer manufacturer "
        "device_type simulated",
        "linky_energy_imported_joules_total": "meter serial",
        "linky_energy_imported_by_index_joules_total": "meter serial register index",
        "linky_tariff_index_info": "meter register index name",
        "linky_tariff_current_index": "meter register",
        "linky_energy_exported_joules_total": "meter serial",
        "linky_reactive_energy_varh_total": "meter serial quadrant",
        "linky_apparent_power_volt_amperes": "meter direction",
        "linky_phase_apparent_power_volt_amperes": "meter phase",
        "linky_current_amperes": "meter phase",
        "linky_voltage_volts": "meter phase",
        "linky_voltage_mean_volts": "meter phase",
        "linky_apparent_power_max_volt_amperes": "meter direction day",
        "linky_phase_apparent_power_max_volt_amperes": "meter phase day",
        "linky_load_curve_power_watts": "meter direction point",
        "linky_reference_power_volt_amperes": "meter",
        "linky_cutoff_power_volt_amperes": "meter",
        "linky_max_current_amperes": "meter phase",
        "linky_tempo_color": "meter day linky_tempo_color",
        "linky_mobile_peak_notice": "meter",
        "linky_mobile_peak_active": "meter",
        "linky_reference_power_exceeded": "meter",
        "linky_overcurrent_warning_amperes": "meter phase",
        "linky_breaker_state": "meter linky_breaker_state",
        "linky_relay_closed": "meter relay",
        "linky_meter_clock_offset_seconds": "meter",
        "linky_clock_degraded": "meter",
        "linky_dry_contact_open": "meter",
        "linky_terminal_cover_open": "meter",
        "linky_overvoltage": "meter",
        "linky_energy_direction_negative": "meter",
        "linky_cpl_synchronised": "meter",
        "linky_euridis_output_state": "meter linky_euridis_output_state",
        "linky_cpl_state": "meter linky_cpl_state",
        "linky_tariff_price_euros_per_kilowatt_hour": "meter register index",
        "linky_subscription_price_euros_per_day": "meter",
        "linky_exporter_frames_total": "meter result",
        "linky_exporter_groups_total": "meter result",
        "linky_exporter_last_frame_timestamp_seconds": "meter",
        "linky_exporter_source_connected": "meter",
        "linky_exporter_source_reconnects_total": "meter",
        "linky_exporter_http_responses_total": "code",
        "linky_exporter_http_connections": "",
        "linky_exporter_http_connections_refused_total": "",
        "linky_exporter_http_idle_connections_closed_total": "",
        "linky_exporter_build_info": "version",
    }.items()
}

# Series that come from Prometheus itself, not from the exporter.
PROMETHEUS_SERIES = frozenset({"up"})
TARGET_LABELS = frozenset({"job", "instance"})
# Labels added by the shipped configurations (prometheus.yml, agent.yml, federation.yml).
CONFIG_LABELS = frozenset({"site"})


def contract_metric_names() -> tuple[frozenset[str], str]:
    """The contract's metric names and where they were read from."""
    if METRICS_DOC.is_file():
        names = set()
        for line in METRICS_DOC.read_text().splitlines():
            if line.startswith("|"):
                first_cell = line.split("|")[1]
                names.update(re.findall(r"`(linky_[a-z0-9_]+)`", first_cell))
        if names:
            return frozenset(names), str(METRICS_DOC.relative_to(ROOT))
    return frozenset(CONTRACT), "tests/support/metric_contract.py CONTRACT"


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
