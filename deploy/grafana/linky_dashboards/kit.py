"""Building blocks: datasource reference, targets, panels, variables, layout.

Only what the three dashboards use. Every object built here stays inside Grafana's
dashboard schema (tests/schemas/grafana-dashboard.schema.json): closed objects, so a
misspelt key is caught by the test suite rather than silently ignored by Grafana.
"""

from __future__ import annotations

from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
METER = 'meter=~"$meter"'
SCHEMA_VERSION = 41  # what Grafana 12/13 write for this classic dashboard model

Json = dict[str, Any]


def target(expr: str, legend: str = "", *, instant: bool = False, interval: str | None = None, table: bool = False) -> Json:
    """A Prometheus query. ``interval`` fixes the step (e.g. ``1h`` for hourly bars)."""
    t: Json = {
        "datasource": DATASOURCE,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
    }
    if interval:
        t["interval"] = interval
    if table:
        t["format"] = "table"
    return t


def thresholds(*steps: tuple[float | None, str]) -> Json:
    """``thresholds((None, "green"), (80, "orange"))``: the first step has no lower bound."""
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for value, color in steps]}


def value_map(mapping: dict[int | str, tuple[str, str]]) -> Json:
    """Map raw values to (text, colour)."""
    return {
        "type": "value",
        "options": {str(k): {"text": text, "color": color, "index": i} for i, (k, (text, color)) in enumerate(mapping.items())},
    }


def override(matcher_id: str, options: Any, **properties: Any) -> Json:
    return {"matcher": {"id": matcher_id, "options": options}, "properties": [{"id": k, "value": v} for k, v in properties.items()]}


def _panel(kind: str, title: str, targets: list[Json], *, unit: str, description: str, options: Json,
           defaults: Json | None = None, overrides: list[Json] | None = None, **extra: Any) -> Json:
    for i, t in enumerate(targets):
        t["refId"] = chr(ord("A") + i)
    panel: Json = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, **(defaults or {})}, "overrides": overrides or []},
        "options": options,
    }
    panel.update({k: v for k, v in extra.items() if v is not None})
    return panel


def _reduce(calc: str = "lastNotNull") -> Json:
    return {"calcs": [calc], "fields": "", "values": False}


def timeseries(title: str, targets: list[Json], *, unit: str, description: str, bars: str | None = None,
               stacked: bool = False, fill: int = 10, defaults: Json | None = None,
               overrides: list[Json] | None = None, legend_calcs: list[str] | None = None, **extra: Any) -> Json:
    custom: Json = {
        "drawStyle": "bars" if bars else "line",
        "lineWidth": 1,
        "fillOpacity": 80 if bars else fill,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
    }
    if bars:
        # "before": increase(x[$__rate_interval]) at T covers the time before T;
        # "after": a bucket of promql.window() (offset -1d) covers T..T+1d.
        custom["barAlignment"] = {"before": -1, "after": 1}[bars]
    options = {
        "legend": {"showLegend": True, "displayMode": "table" if legend_calcs else "list", "placement": "bottom",
                   "calcs": legend_calcs or []},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return _panel("timeseries", title, targets, unit=unit, description=description, options=options,
                  defaults={"custom": custom, "color": {"mode": "palette-classic"}, **(defaults or {})},
                  overrides=overrides, **extra)


def stat(title: str, targets: list[Json], *, unit: str, description: str, mappings: list[Json] | None = None,
         steps: Json | None = None, text_mode: str = "auto", color_mode: str = "value", graph: bool = False,
         no_value: str | None = None, decimals: int | None = None, calc: str = "lastNotNull", **extra: Any) -> Json:
    defaults: Json = {"mappings": mappings or [], "thresholds": steps or thresholds((None, "green")),
                      "color": {"mode": "thresholds"}}
    if no_value is not None:
        defaults["noValue"] = no_value
    if decimals is not None:
        defaults["decimals"] = decimals
    options = {"reduceOptions": _reduce(calc), "colorMode": color_mode, "graphMode": "area" if graph else "none",
               "textMode": text_mode, "justifyMode": "auto", "orientation": "auto", "wideLayout": True,
               "showPercentChange": False}
    return _panel("stat", title, targets, unit=unit, description=description, options=options, defaults=defaults, **extra)


def gauge(title: str, targets: list[Json], *, unit: str, description: str, steps: Json, minimum: float | None = None,
          maximum: float | None = None, no_value: str | None = None, **extra: Any) -> Json:
    defaults: Json = {"thresholds": steps, "color": {"mode": "thresholds"}, "mappings": []}
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    if no_value is not None:
        defaults["noValue"] = no_value
    options = {"reduceOptions": _reduce(), "showThresholdLabels": False, "showThresholdMarkers": True}
    return _panel("gauge", title, targets, unit=unit, description=description, options=options, defaults=defaults, **extra)


def bargauge(title: str, targets: list[Json], *, unit: str, description: str, no_value: str | None = None,
             **extra: Any) -> Json:
    defaults: Json = {"thresholds": thresholds((None, "blue")), "color": {"mode": "palette-classic"}, "mappings": [], "min": 0}
    if no_value is not None:
        defaults["noValue"] = no_value
    options = {"reduceOptions": _reduce(), "orientation": "horizontal", "displayMode": "gradient",
               "showUnfilled": True, "valueMode": "color", "namePlacement": "auto", "sizing": "auto"}
    return _panel("bargauge", title, targets, unit=unit, description=description, options=options, defaults=defaults, **extra)


def table(title: str, targets: list[Json], *, description: str, hide: list[str], **extra: Any) -> Json:
    """An instant query shown as one row per series, its labels as columns."""
    return _panel("table", title, targets, unit="none", description=description,
                  options={"showHeader": True, "cellHeight": "sm"},
                  transformations=[{"id": "organize", "options": {"excludeByName": {name: True for name in hide}}}],
                  **extra)


PROVISIONED_DATASOURCE = ("Prometheus (Linky)", "linky-prometheus")  # deploy/grafana/provisioning/datasources/linky.yml


def datasource_variable() -> Json:
    """Any Prometheus datasource; the provisioned one by default (else Grafana's default one)."""
    name, uid = PROVISIONED_DATASOURCE
    return {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {"text": name, "value": uid},
            "hide": 0, "refresh": 1, "regex": "", "options": [], "skipUrlSync": False}


def meter_variable() -> Json:
    return query_variable("meter", "Meter", "label_values(linky_up, meter)")


def query_variable(name: str, label: str, query: str, *, sort: int = 1) -> Json:
    """Multi-select with All; All sends a regex of every value (no allValue), so =~ stays exact."""
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE, "query": query,
            "refresh": 2, "multi": True, "includeAll": True, "sort": sort, "hide": 0, "regex": "",
            "current": {"text": "All", "value": "$__all"}, "options": [], "skipUrlSync": False}


def custom_variable(name: str, label: str, choices: list[tuple[str, str]], default: str) -> Json:
    """A fixed list of (text, value)."""
    text_of = dict((v, t) for t, v in choices)
    return {"name": name, "label": label, "type": "custom", "query": ",".join(v for _, v in choices),
            "hide": 0, "multi": False, "includeAll": False, "skipUrlSync": False,
            "current": {"text": text_of[default], "value": default},
            "options": [{"text": t, "value": v, "selected": v == default} for t, v in choices]}


class Layout:
    """Places panels left to right on Grafana's 24-column grid, rows below each other."""

    def __init__(self) -> None:
        self.panels: list[Json] = []
        self.x = self.y = self.row_height = 0

    def _next_id(self) -> int:
        return len(self.panels) + 1

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._next_id(), "collapsed": False, "panels": [],
                            "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}})
        self.y += 1

    def add(self, panel: Json, w: int, h: int) -> None:
        if self.x + w > 24:
            self._newline()
        panel["id"] = self._next_id()
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)

    def _newline(self) -> None:
        self.y += self.row_height
        self.x = self.row_height = 0


def dashboard(uid: str, title: str, description: str, layout: Layout, variables: list[Json], *,
              time_from: str = "now-6h", refresh: str = "30s", tags: tuple[str, ...] = ("linky",)) -> Json:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": list(tags),
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timezone": "browser",
        "refresh": refresh,
        "links": [{"title": "Linky", "type": "dashboards", "tags": ["linky"], "asDropdown": True, "includeVars": True,
                   "keepTime": True, "icon": "external link", "tooltip": "", "url": "", "targetBlank": False}],
        "templating": {"list": variables},
        "panels": layout.panels,
    }
