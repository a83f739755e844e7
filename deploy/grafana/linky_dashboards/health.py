"""Health: is the TIC line read, are frames clean, which mode. Look here when a graph is empty."""

from __future__ import annotations

from .kit import (Layout, dashboard, datasource_variable, meter_variable, stat, table, target, thresholds, timeseries,
                  value_map)
from .promql import sel

UID = "linky-health"

FRAMES = sel("linky_exporter_frames_total")
GROUPS = sel("linky_exporter_groups_total")


def build() -> dict:
    lay = Layout()
    lay.row("Status")
    lay.add(stat("Meter up", [target(sel("linky_up"), "{{meter}}", instant=True)], unit="none",
                 mappings=[value_map({0: ("DOWN", "red"), 1: ("up", "green")})], color_mode="background",
                 text_mode="value_and_name", no_value="not scraped",
                 description="1 while valid frames arrive. Nothing at all: Prometheus does not scrape the exporter "
                             "(check its targets page) or the meter name is wrong."), 5, 4)
    lay.add(stat("Last valid frame", [target(f"time() - {sel('linky_exporter_last_frame_timestamp_seconds')}", "{{meter}}",
                                             instant=True)],
                 unit="s", steps=thresholds((None, "green"), (10, "orange"), (30, "red")), color_mode="background",
                 text_mode="value_and_name", decimals=0,
                 description="Seconds since the last valid frame. A meter sends one every 1-2 s; after --tic.stale-after "
                             "(30 s) the measurements disappear."), 5, 4)
    lay.add(stat("Source connected", [target(sel("linky_exporter_source_connected"), "{{meter}}", instant=True)],
                 unit="none", mappings=[value_map({0: ("DISCONNECTED", "red"), 1: ("connected", "green")})],
                 color_mode="background", text_mode="value_and_name",
                 description="The serial port (or socket, file) is open. 0: device missing, permission (dialout group) "
                             "or a serial server down."), 5, 4)
    lay.add(stat("Reconnects in range", [target(f"increase({sel('linky_exporter_source_reconnects_total')}[$__range])",
                                                 "{{meter}}", instant=True)],
                 unit="none", decimals=0, steps=thresholds((None, "green"), (1, "orange")), text_mode="value_and_name",
                 description="Times the source was reopened over the dashboard's range: USB unplugs, serial-server blips."), 4, 4)
    lay.add(stat("Exporter version", [target(f"linky_exporter_build_info and on(instance, job) {sel('linky_up')}",
                                             "{{version}}", instant=True)],
                 unit="none", text_mode="name", color_mode="none",
                 description="Version of the exporter(s) that serve the selected meters."), 5, 4)
    lay.add(table("Meters", [target(sel("linky_meter_info"), "", instant=True, table=True)],
                  hide=["Time", "Value", "__name__", "job", "instance"],
                  description="linky_meter_info: TIC mode (historique/standard), contract, phases, producer, TIC version. "
                              "Simulated=true: the built-in simulator, not a real meter."), 19, 5)
    lay.add(stat("Meter clock offset", [target(sel("linky_meter_clock_offset_seconds"), "{{meter}}", instant=True)],
                 unit="s", decimals=0, text_mode="value_and_name", no_value="n/a (historique)",
                 steps=thresholds((None, "red"), (-300, "green"), (301, "red")),
                 description="The meter's clock minus this exporter's clock (standard mode). A few seconds is normal; "
                             "beyond 5 minutes the LinkyClockOffset alert fires: check the Pi's time (NTP) first."), 5, 5)

    lay.row("Frames and groups")
    lay.add(timeseries("Frames per second by result", [
        target(f"sum by (meter, result) (rate({FRAMES}[$__rate_interval]))", "{{meter}} {{result}}"),
    ], unit="cps", stacked=True, legend_calcs=["mean", "max"],
        description="valid: decoded. invalid: partial (normal at start) or no valid group. interrupted: EOT from the meter."), 12, 8)
    lay.add(timeseries("Groups per second by result", [
        target(f"sum by (meter, result) (rate({GROUPS}[$__rate_interval]))", "{{meter}} {{result}}"),
    ], unit="cps", legend_calcs=["mean", "max"],
        description="checksum_error floods: noise, weak optocoupler, or a dongle too slow for 9600 Bd. rejected_value: "
                    "a value refused by the label table or the index guard (counted valid first)."), 12, 8)
    lay.add(timeseries("Group error ratio", [
        target(f'sum by (meter) (rate({sel("linky_exporter_groups_total", result="~checksum_error|malformed")}[$__rate_interval]))\n'
               f"/\n(sum by (meter) (rate({GROUPS}[$__rate_interval])) > 0)", "{{meter}}"),
    ], unit="percentunit", defaults={"min": 0},
        description="Share of groups with a bad checksum or a malformed line."), 8, 8)
    lay.add(timeseries("Bytes per second read", [
        target(f"rate({sel('linky_exporter_bytes_total')}[$__rate_interval])", "{{meter}}"),
    ], unit="Bps",
        description="Bytes arriving but no valid frame: wrong mode or speed (historique 1200 Bd vs standard 9600 Bd), "
                    "parity handling. No bytes: wiring, or the TIC output is off."), 8, 8)
    lay.add(timeseries("Reconnects and mode detections", [
        target(f"increase({sel('linky_exporter_source_reconnects_total')}[$__rate_interval])", "{{meter}} reconnects"),
        target(f"sum by (meter, mode) (increase({sel('linky_exporter_mode_detections_total')}[$__rate_interval]))",
               "{{meter}} detected {{mode}}"),
    ], unit="none", bars="before",
        description="A mode detection after start means the meter switched mode (Enedis switches meters to standard)."), 8, 8)
    lay.add(timeseries("Meter up", [target(sel("linky_up"), "{{meter}}")], unit="none",
                       defaults={"min": 0, "max": 1, "mappings": [value_map({0: ("down", "red"), 1: ("up", "green")})]},
                       description="History of linky_up: gaps in the other dashboards line up with the zeros here."), 24, 5)

    lay.row("The exporter's HTTP side")
    # No meter label on these: the exporters that serve the selected meters.
    exporters = f"on (instance, job) group by (instance, job) ({sel('linky_up')})"
    lay.add(timeseries("HTTP responses per second by code", [
        target(f"sum by (instance, code) (rate(linky_exporter_http_responses_total[$__rate_interval]) and {exporters})",
               "{{instance}} {{code}}"),
    ], unit="reqps", legend_calcs=["mean", "max"],
        description="200: scrapes and the landing page. 401: a wrong or missing password (the LinkyExporterWrongPasswords "
                    "alert watches it), 429: the web config's rate limit, 400/405/431: malformed requests."), 16, 7)
    lay.add(timeseries("HTTP connections", [
        target(f"max by (instance) (linky_exporter_http_connections and {exporters})", "{{instance}} held"),
        target(f"sum by (instance) (increase(linky_exporter_http_connections_refused_total[$__rate_interval]) and {exporters})",
               "{{instance}} refused"),
        target(f"sum by (instance) (increase(linky_exporter_http_idle_connections_closed_total[$__rate_interval]) and {exporters})",
               "{{instance}} idle closed for room"),
    ], unit="none",
        description="Connections held (at most --web.max-connections), and what the cap did: refused a new one while all "
                    "were busy, or closed the one idle the longest to make room."), 8, 7)

    variables = [datasource_variable(), meter_variable()]
    return dashboard(UID, "Linky / Health", "Is the TIC line read, are frames clean, which mode: look here when a graph is empty.",
                     lay, variables, time_from="now-6h", refresh="30s")
