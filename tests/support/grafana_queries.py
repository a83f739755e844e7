"""Every panel query of the provisioned dashboards, ready to run against a real Prometheus.

``panel_queries(["mono", "tri"])`` reads deploy/grafana/dashboards/*.json and returns one
``PanelQuery`` per target (per repeated panel copy too), with Grafana's template
variables replaced the way Grafana would replace them:

- ``$meter`` / ``${meter}`` / ``${meter:regex}`` / ``[[meter]]`` -> a regex of the meter
  names (``(a|b)``, escaped), as Grafana does for a multi-value variable in ``=~``;
- ``$phase`` -> a regex of the phases; a panel repeated over ``phase`` becomes one
  query per phase, the phase alone, as Grafana renders one panel per value;
- ``$__rate_interval``, ``$__interval``, ``$__range`` (a duration such as ``5m``),
  ``$__range_s`` / ``$__range_ms`` (numbers), ``$compare_offset`` (a duration).

A ``$`` left after substitution raises ``UnknownVariable``: a new variable must be
taught here before an end-to-end test can trust the queries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "deploy" / "grafana" / "dashboards"

_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# A variable name starts with a letter or _: "$1" in label_replace is a regex group, which
# Grafana leaves alone too.
_VARIABLE = re.compile(r"\$\{([A-Za-z_]\w*)(?::(\w+))?\}|\[\[([A-Za-z_]\w*)\]\]|\$([A-Za-z_]\w*)")


# Queries that are empty in ordinary operation, by design: (dashboard uid, panel title, refId)
# -> the condition that fills them. An end-to-end test either brings the condition about
# or leaves these out of its "non-empty" requirement (and still runs them: they must parse).
CONDITIONAL = {
    ("linky-live", "Current per phase", "B"): "an over-current warning (ADPS/ADIR), sent only while it lasts",
}


class UnknownVariable(ValueError):
    """A template variable the helper cannot substitute."""


@dataclass(frozen=True)
class PanelQuery:
    dashboard_uid: str
    panel_id: int
    panel_title: str
    ref_id: str
    expr: str  # with variables substituted
    raw_expr: str  # as written in the dashboard
    instant: bool  # Grafana runs it as an instant query (else a range query)
    interval: str | None  # a fixed step ("1h" for hourly bars), else Grafana's automatic one
    time_from: str | None  # the panel's own relative time ("now/M", "31d"), else the dashboard's
    time_shift: str | None  # the panel's time shift ("1M/M": the same range a month earlier), else none
    repeat_value: str | None  # the value of the repeat variable for this copy of a repeated panel
    condition: str | None  # set for CONDITIONAL queries: what must happen for them to return data

    @property
    def where(self) -> str:
        return f"{self.dashboard_uid} panel {self.panel_id} {self.panel_title!r} query {self.ref_id}"


def seconds(duration: str) -> float:
    """``1h30m`` -> 5400.0 (Prometheus duration syntax)."""
    parts = _DURATION.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"{duration!r} is not a Prometheus duration")
    return sum(int(n) * _SECONDS[u] for n, u in parts)


def regex_of(values: Sequence[str]) -> str:
    """What Grafana writes for a multi-value variable in a Prometheus regex matcher."""
    escaped = [re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def dashboards(directory: Path = DASHBOARD_DIR) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def walk_panels(dashboard: dict) -> Iterator[dict]:
    """Every panel, including those nested in collapsed rows; rows themselves excluded."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def substitute(expr: str, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(3) or match.group(4)
        if name not in values:
            raise UnknownVariable(f"no value for ${name} in {expr!r}")
        return values[name]

    # $__range_s before $__range: the regex takes the longest name, \w+ is greedy.
    return _VARIABLE.sub(replace, expr)


def panel_queries(
    meters: Sequence[str],
    *,
    phases: Sequence[str] = ("1", "2", "3"),
    rate_interval: str = "1m",
    interval: str = "15s",
    range: str = "5m",  # noqa: A002 - Grafana's name
    compare_offset: str = "5m",
    directory: Path = DASHBOARD_DIR,
) -> list[PanelQuery]:
    """Every target of every panel with its variables substituted (see the module doc)."""
    if not meters:
        raise ValueError("give at least one meter name")
    range_s = seconds(range)
    common = {
        "meter": regex_of(meters),
        "phase": regex_of(phases),
        "__rate_interval": rate_interval,
        "__interval": interval,
        "__range": range,
        "__range_s": str(int(range_s)),
        "__range_ms": str(int(range_s * 1000)),
        "compare_offset": compare_offset,
    }
    queries = []
    for dashboard in dashboards(directory):
        for panel in walk_panels(dashboard):
            repeat = panel.get("repeat")
            copies: list[str | None] = [None]
            if repeat:
                if repeat != "phase":
                    raise UnknownVariable(f"panel {panel.get('title')!r} repeats over ${repeat}, unknown here")
                copies = list(phases)
            for copy in copies:
                values = dict(common, **({repeat: regex_of([copy])} if copy is not None else {}))
                for t in panel.get("targets", []):
                    queries.append(PanelQuery(
                        dashboard_uid=dashboard["uid"],
                        panel_id=panel["id"],
                        panel_title=substitute(panel.get("title", ""), values),
                        ref_id=t["refId"],
                        expr=substitute(t["expr"], values),
                        raw_expr=t["expr"],
                        instant=bool(t.get("instant")) and not t.get("range", False),
                        interval=t.get("interval"),
                        time_from=panel.get("timeFrom"),
                        time_shift=panel.get("timeShift"),
                        repeat_value=copy,
                        condition=CONDITIONAL.get((dashboard["uid"], panel.get("title"), t["refId"])),
                    ))
    return queries


def variable_selectors(meters: Sequence[str], directory: Path = DASHBOARD_DIR) -> list[tuple[str, str, str, str]]:
    """``(dashboard uid, variable, label, series selector)`` of every ``label_values(...)`` variable.

    ``GET /api/v1/label/<label>/values?match[]=<selector>`` is what Grafana asks.
    """
    found = []
    for dashboard in dashboards(directory):
        for variable in dashboard.get("templating", {}).get("list", []):
            query = variable.get("query")
            if variable.get("type") != "query" or not isinstance(query, str):
                continue
            match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query.strip())
            if not match:
                raise ValueError(f"{dashboard['uid']}: variable {variable['name']} is not label_values(selector, label)")
            selector = substitute(match.group(1), {"meter": regex_of(meters)})
            found.append((dashboard["uid"], variable["name"], match.group(2), selector))
    return found


_KEYWORDS = {"and", "or", "unless", "bool", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (a regex reading, enough for our queries).

    Strings, label matchers, ranges, label lists of by/without/on/ignoring/group_*,
    offsets, template variables and numbers are removed first; what is left and is
    not followed by ``(`` (a function or an aggregation) is a metric name.
    """
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+\S+", " ", text)
    text = re.sub(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]", " ", text)
    text = re.sub(r"\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][\w:]*", text):
        rest = text[match.end():].lstrip()
        if not rest.startswith("(") and match.group() not in _KEYWORDS:
            names.add(match.group())
    return names

