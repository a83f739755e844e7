"""Run a dashboard's panel queries against a real Prometheus the way Grafana does.

tests/support/grafana_queries.py says WHAT a panel asks; this module says WHEN and HOW, after
Grafana 10-13 (public/app/features/dashboard/utils/panel.ts and pkg/promlib):

- a panel's time range is the dashboard's, or its own relative time (``timeFrom``:
  ``31d`` is now-31d..now, ``now/M`` the month so far, computed in the dashboard's time
  zone), then moved back by its ``timeShift``;
- an instant query is evaluated at the end of that range; ``$__range`` is its length in
  whole seconds;
- a range query's step is the target's ``interval`` (a minimum) or the datasource's
  scrape interval, raised to range / max data points; start AND end are rounded DOWN to
  a multiple of the step, counted from local midnight (Grafana sends the browser's UTC
  offset), so the last point of an hourly panel is the last full hour, never "now";
- ``$__rate_interval`` is max(step + scrape interval, 4 x scrape interval).

What a test cannot wait for is compressed and said so: the dashboard range is a few
seconds (``dashboard_range``), a panel's time shift (a month) becomes ``shift`` seconds,
``$compare_offset`` (a week) becomes ``compare_offset``. Relative times such as ``31d``
or ``now/M`` stay real: their data is the recent data at their end.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .grafana_queries import PanelQuery, panel_queries, seconds
from .promtools import PrometheusServer

MAX_DATA_POINTS = 1000  # about the width in pixels of a panel, what Grafana asks for
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def date_math(expr: str, now: datetime, *, round_up: bool = False) -> datetime:
    """Grafana's dateMath for ``now-31d``, ``now/M``, ``now-1M/M``, ``now-1y`` (local time zone)."""
    if not expr.startswith("now"):
        raise ValueError(f"{expr!r}: only relative times are supported")
    t = now
    for op, amount, unit in re.findall(r"([-+/])(\d*)([smhdwMy])", expr[3:]):
        if op == "/":
            t = _round(t, unit, round_up)
            continue
        n = int(amount or 1) * (1 if op == "+" else -1)
        if unit == "M":
            month = t.month - 1 + n
            t = t.replace(year=t.year + month // 12, month=month % 12 + 1)
        elif unit == "y":
            t = t.replace(year=t.year + n)
        else:
            t = t + timedelta(**{_UNITS[unit]: n})
    return t


def _round(t: datetime, unit: str, up: bool) -> datetime:
    start = {
        "s": t.replace(microsecond=0),
        "m": t.replace(second=0, microsecond=0),
        "h": t.replace(minute=0, second=0, microsecond=0),
        "d": t.replace(hour=0, minute=0, second=0, microsecond=0),
        "M": t.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        "y": t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
    }[unit]
    if not up:
        return start
    nxt = {"M": lambda s: date_math("now+1M", s), "y": lambda s: s.replace(year=s.year + 1)}.get(
        unit, lambda s: s + timedelta(**{_UNITS[unit]: 1}))(start)
    return nxt - timedelta(milliseconds=1)


def describe_text_range(expr: str) -> tuple[str, str]:
    """Grafana's rangeUtil.describeTextRange for a panel's relative time: (from, to)."""
    # Grafana looks "<expr> to now" up in its list of quick ranges, else takes expr..now;
    # both give expr..now for every expression a panel can hold ("now-1M/M" too: the
    # previous month AND this one so far, which is why a previous period needs timeShift).
    if "now" not in expr:
        expr = "now-" + expr
    return expr, "now"


@dataclass(frozen=True)
class Execution:
    query: PanelQuery
    kind: str  # "instant" or "range"
    params: dict[str, str]
    result: list[dict]
    error: str | None

    def problem(self) -> str | None:
        """Why a panel would show nothing (or nonsense) from this answer, or None."""
        if self.error:
            return f"error {self.error}"
        if not self.result:
            return "no series"
        for series in self.result:
            values = [series["value"]] if self.kind == "instant" else series["values"]
            numbers = [float(v) for _, v in values]
            if not numbers:
                return f"series {series['metric']} without points"
            if not all(math.isfinite(x) for x in numbers):
                return f"series {series['metric']} has non-finite values {[x for x in numbers if not math.isfinite(x)][:3]}"
        return None


class GrafanaLike:
    """Substitutes and times every panel query as Grafana would at ``now``."""

    def __init__(self, prometheus: PrometheusServer, meters: list[str], phases: list[str], *, scrape_interval: float,
                 dashboard_range: float, shift: float, compare_offset: str, timezone: str = "Europe/Paris"):
        self.prometheus = prometheus
        self.meters, self.phases = meters, phases
        self.scrape = scrape_interval
        self.dashboard_range, self.shift, self.compare_offset = dashboard_range, shift, compare_offset
        self.tz = ZoneInfo(timezone)

    def time_range(self, q: PanelQuery, now: float) -> tuple[float, float]:
        local_now = datetime.fromtimestamp(now, self.tz)
        if q.time_from:
            start_expr, end_expr = describe_text_range(q.time_from)
            start = date_math(start_expr, local_now).timestamp()
            end = date_math(end_expr, local_now, round_up=True).timestamp()
        else:
            start, end = now - self.dashboard_range, now
        if q.time_shift:
            start, end = start - self.shift, end - self.shift  # a month, compressed (see the module doc)
        return start, end

    def step(self, q: PanelQuery, start: float, end: float) -> float:
        minimum = seconds(q.interval) if q.interval else self.scrape
        return max(minimum, math.ceil((end - start) / MAX_DATA_POINTS))

    def align(self, t: float, step: float) -> float:
        offset = datetime.fromtimestamp(t, self.tz).utcoffset().total_seconds()
        return math.floor((t + offset) / step) * step - offset

    def execute_all(self, now: float) -> list[Execution]:
        # $__range and $__rate_interval depend on each panel's range: substitute per range.
        by_variables: dict[tuple[str, str], dict[tuple, PanelQuery]] = {}
        plan = []
        for q in self._queries("1s", "4s"):
            start, end = self.time_range(q, now)
            step = self.step(q, start, end)
            range_s = f"{round(end - start)}s"
            rate = f"{int(max(step + self.scrape, 4 * self.scrape))}s"
            plan.append((q, start, end, step, range_s, rate))
            by_variables.setdefault((range_s, rate), {})
        for range_s, rate in by_variables:
            by_variables[(range_s, rate)] = {_key(q): q for q in self._queries(range_s, rate)}
        return [self._run(by_variables[(range_s, rate)][_key(q)], start, end, step)
                for q, start, end, step, range_s, rate in plan]

    def _queries(self, range_s: str, rate: str) -> list[PanelQuery]:
        return panel_queries(self.meters, phases=self.phases, rate_interval=rate, interval=f"{int(self.scrape)}s",
                             range=range_s, compare_offset=self.compare_offset)

    def _run(self, q: PanelQuery, start: float, end: float, step: float) -> Execution:
        if q.instant:
            kind, path, params = "instant", "/api/v1/query", {"query": q.expr, "time": f"{end:.3f}"}
        else:
            kind, path = "range", "/api/v1/query_range"
            params = {"query": q.expr, "start": f"{self.align(start, step):.3f}", "end": f"{self.align(end, step):.3f}",
                      "step": f"{step:g}"}
        answer = self.prometheus.api(path, **params)
        if answer.get("status") != "success":
            return Execution(q, kind, params, [], answer.get("error", str(answer)))
        return Execution(q, kind, params, answer["data"]["result"], None)


def _key(q: PanelQuery) -> tuple:
    return (q.dashboard_uid, q.panel_id, q.ref_id, q.repeat_value)
