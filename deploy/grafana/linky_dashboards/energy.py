"""Energy and cost: kWh per hour, day and month by tariff index, euros, comparisons."""

from __future__ import annotations

from .kit import (Layout, bargauge, custom_variable, dashboard, datasource_variable, meter_variable, override, stat,
                  target, timeseries)
from .promql import JOULES_PER_KWH, by_meter, energy_cost_by_index, kwh_by_index, sel, total_cost, window

UID = "linky-energy"

DRAWN = sel("linky_energy_imported_joules_total")
INJECTED = sel("linky_energy_exported_joules_total")
SUPPLIER = sel("linky_energy_imported_by_index_joules_total", register="supplier")
# Off-peak indexes are recognised by name: HC (heures creuses) in every standard LTARF
# and historique name seen (HC BLEU, HEURES CREUSES, HEURE CREUSE ...).
OFF_PEAK_INFO = sel("linky_tariff_index_info", register="supplier", name="~(?i).*(HC|CREUSE).*")
# Grafana reads a panel's relative time "now-1M/M" as now-1M/M..now (the previous month
# AND this one): the previous month is this month's range ("now/M") shifted by "1M/M",
# whose end rounds up to the end of that month.
DAY = "1d"
THIS_MONTH, PREVIOUS_MONTH = {"timeFrom": "now/M"}, {"timeFrom": "now/M", "timeShift": "1M/M"}


def _daily_peak() -> str:
    """Each day's largest apparent power drawn: the meter's own maximum of the day (SMAXSN, a
    running maximum that misses nothing between frames) where it sends one, else the largest
    sample. The maximum is the day's LAST reading of it, not its largest: a scrape just after
    midnight may still show the frame before it, the day before's maximum."""
    today = sel("linky_apparent_power_max_volt_amperes", direction="import", day="today")
    samples = sel("linky_apparent_power_volt_amperes", direction="import")
    return (f"max by (meter) (last_over_time({today}{window(DAY)}))\n"
            f"or\nmax by (meter) (max_over_time({samples}{window(DAY)}))")


def _off_peak_share(window: str) -> str:
    energy = by_meter(f"increase({SUPPLIER}[{window}])")
    return (f"sum by (meter) ({energy} * on(meter, register, index) group_left() {OFF_PEAK_INFO})\n"
            f"/\n(sum by (meter) ({energy}) > 0)")  # no energy drawn: no share, not NaN


def build() -> dict:
    lay = Layout()
    lay.row("Energy drawn by tariff index")
    lay.add(timeseries("kWh per hour", [target(kwh_by_index("1h"), "{{meter}} {{name}}", interval="1h")],
                       unit="kwatth", bars="after", stacked=True, legend_calcs=["sum"],
                       description="Stacked by supplier index, named from linky_tariff_index_info. One bar per hour, "
                                   "from its left edge to its right edge; the last one is the hour so far."), 24, 8)
    lay.add(timeseries("kWh per day", [target(kwh_by_index("1d"), "{{meter}} {{name}}", interval="1d")],
                       unit="kwatth", bars="after", stacked=True, legend_calcs=["sum", "mean"], timeFrom="31d",
                       description="Last 31 days, one bar per day from midnight in the dashboard's time zone (Grafana "
                                   "aligns the steps on it); the last one is today so far."), 16, 8)
    lay.add(bargauge("This month by index", [target(kwh_by_index("$__range"), "{{meter}} {{name}}", instant=True)],
                     unit="kwatth", **THIS_MONTH,
                     description="Calendar month so far (relative time now/M)."), 8, 8)
    lay.add(timeseries("kWh per 30 days", [target(kwh_by_index("30d"), "{{meter}} {{name}}", interval="30d")],
                       unit="kwatth", bars="after", stacked=True, legend_calcs=["sum"], timeFrom="1y",
                       description="30-day buckets over a year, the last one still running (PromQL has no calendar "
                                   "months; see the calendar-exact month panels)."), 16, 8)
    lay.add(bargauge("Previous month by index", [target(kwh_by_index("$__range"), "{{meter}} {{name}}", instant=True)],
                     unit="kwatth", **PREVIOUS_MONTH,
                     description="The whole previous calendar month (relative time now/M, shifted by 1M/M)."), 8, 8)

    lay.row("Cost")
    lay.add(timeseries("Cost per day", [
        target(energy_cost_by_index("1d"), "{{meter}} {{name}}", interval="1d"),
        # The price in force at the end of the day (today: now). A bare gauge would be read at
        # the bar's midnight and be missing for today.
        target(f'last_over_time({sel("linky_subscription_price_euros_per_day")}{window("1d")})', "{{meter}} subscription",
               interval="1d"),
    ], unit="currencyEUR", bars="after", stacked=True, legend_calcs=["sum"], timeFrom="31d",
        description="Energy per index x the prices configured in the exporter (prices: in its config file), plus "
                    "the daily subscription. Empty: no prices configured."), 16, 8)
    lay.add(stat("Cost this month", [target(total_cost("$__range", "$__range_s / 86400"), "{{meter}}", instant=True)],
                 unit="currencyEUR", **THIS_MONTH, no_value="no prices configured", decimals=2,
                 description="Energy and subscription, calendar month so far."), 4, 4)
    lay.add(stat("Cost previous month", [target(total_cost("$__range", "$__range_s / 86400"), "{{meter}}", instant=True)],
                 unit="currencyEUR", **PREVIOUS_MONTH, no_value="no prices configured", decimals=2,
                 description="Energy and subscription, whole previous calendar month."), 4, 4)
    lay.add(stat("Cost over the selected range", [target(total_cost("$__range", "$__range_s / 86400"), "{{meter}}", instant=True)],
                 unit="currencyEUR", no_value="no prices configured", decimals=2,
                 description="Energy and subscription over the dashboard's time range."), 4, 4)
    lay.add(stat("Off-peak share", [target(_off_peak_share("$__range"), "{{meter}}", instant=True)],
                 unit="percentunit", no_value="no off-peak index", decimals=1,
                 description="Share of the energy drawn on indexes named HC/CREUSE, over the selected range. "
                             "Empty on BASE and EJP contracts."), 4, 4)

    lay.row("Subscribed power")
    lay.add(timeseries("Daily peak against the subscribed power", [
        target(_daily_peak(), "{{meter}} daily peak", interval="1d"),
        target(f'max by (meter) (last_over_time({sel("linky_reference_power_volt_amperes")}{window(DAY)}))',
               "{{meter}} subscribed", interval="1d"),
        target(f'max by (meter) (last_over_time({sel("linky_cutoff_power_volt_amperes")}{window(DAY)}))',
               "{{meter}} cut-off", interval="1d"),
    ], unit="voltamp", bars="after", legend_calcs=["max", "mean"], timeFrom="90d",
        overrides=[override("byFrameRefID", ref, **{"custom.drawStyle": "line", "custom.fillOpacity": 0,
                                                     "custom.lineWidth": 2}) for ref in ("B", "C")],
        description="The largest apparent power (VA, what the breaker compares with its cut-off) of each day of the "
                    "last 90, against the subscribed power (PREF) and the cut-off (PCOUP). Peaks far below the "
                    "subscription every day: a lower power may do; `linky-exporter report` counts the minutes each "
                    "lower standard power would have spent above its cut-off (docs/report.md)."), 24, 8)

    lay.row("Drawn and injected; comparisons")
    lay.add(timeseries("Drawn and injected per day", [
        target(f"{by_meter(f'increase({DRAWN}{window(DAY)})')} / {JOULES_PER_KWH}", "{{meter}} drawn", interval="1d"),
        target(f"{by_meter(f'increase({INJECTED}{window(DAY)})')} / {JOULES_PER_KWH}", "{{meter}} injected", interval="1d"),
    ], unit="kwatth", bars="after", legend_calcs=["sum"], timeFrom="31d",
        overrides=[override("byFrameRefID", "B", **{"custom.transform": "negative-Y"})],
        description="Injected energy (EAIT, producers only) below zero."), 12, 8)
    lay.add(timeseries("Daily energy against $compare_offset before", [
        target(f"{by_meter(f'increase({DRAWN}{window(DAY)})')} / {JOULES_PER_KWH}", "{{meter}} this period", interval="1d"),
        # The same day-long bucket, $compare_offset earlier. PromQL has one offset per
        # selector and the bucket's own (offset -1d) is taken, so the shift is a
        # subquery's: evaluated once, at T - $compare_offset (a whole minute).
        target(f"last_over_time(({by_meter(f'increase({DRAWN}{window(DAY)})')} / {JOULES_PER_KWH})[1m:1m] offset $compare_offset)",
               "{{meter}} $compare_offset before", interval="1d"),
    ], unit="kwatth", legend_calcs=["sum"], timeFrom="14d",
        overrides=[override("byFrameRefID", "B", **{"custom.lineStyle": {"fill": "dash", "dash": [10, 10]}})],
        description="Each day's energy and the same day shifted back by the 'Compare with' variable."), 8, 8)
    lay.add(stat("Selected range against the one before", [
        target(f"sum by (meter) (increase({DRAWN}[$__range])) / {JOULES_PER_KWH}", "{{meter}} this range", instant=True),
        target(f"sum by (meter) (increase({DRAWN}[$__range] offset $__range)) / {JOULES_PER_KWH}", "{{meter}} range before",
               instant=True),
    ], unit="kwatth", text_mode="value_and_name", decimals=1,
        description="Energy drawn over the dashboard's time range and over the same length just before it."), 4, 8)

    variables = [datasource_variable(), meter_variable(),
                 custom_variable("compare_offset", "Compare with",
                                 [("the day before", "1d"), ("the week before", "7d"), ("4 weeks before", "28d"),
                                  ("a year before", "364d")], "7d")]
    return dashboard(UID, "Linky / Energy and cost",
                     "Energy drawn per tariff index, cost, off-peak share, production and comparisons.",
                     lay, variables, time_from="now-7d", refresh="5m")
