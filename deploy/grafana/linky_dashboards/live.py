"""Live: what the meter says now, and over the last hours."""

from __future__ import annotations

from .kit import (Layout, dashboard, datasource_variable, gauge, meter_variable, override, query_variable, stat,
                  target, thresholds, timeseries, value_map)
from .promql import current_tariff_name, sel, stateset_code

UID = "linky-live"

TEMPO_STATES = ["unknown", "blue", "white", "red"]
TEMPO_MAP = value_map({0: ("not announced", "text"), 1: ("BLUE", "blue"), 2: ("WHITE", "#f5f5f5"), 3: ("RED", "red")})
BREAKER_STATES = ["closed", "open_overpower", "open_overvoltage", "open_load_shedding", "open_remote_order",
                  "open_overheating_over_imax", "open_overheating_under_imax", "unknown"]
BREAKER_MAP = value_map({0: ("closed", "green"), 1: ("open: over-power", "red"), 2: ("open: over-voltage", "red"),
                         3: ("open: load shedding", "red"), 4: ("open: remote order", "red"),
                         5: ("open: overheating (I > max)", "red"), 6: ("open: overheating (I < max)", "red"),
                         7: ("unknown", "orange")})
NO_YES = value_map({0: ("no", "green"), 1: ("YES", "red")})
# The exporter's estimate from the register's step timing (docs/active-power.md): it follows
# a load within a frame or a few register steps, where rate() needs minutes of 1 Wh steps.
ACTIVE_POWER = sel("linky_active_power_watts", direction="import")
EXPORT_POWER = sel("linky_active_power_watts", direction="export")
POWER_FACTOR = sel("linky_power_factor_ratio", direction="import")
COUNTER_POWER = f"rate({sel('linky_energy_imported_joules_total')}[$__rate_interval])"
IMPORT_VA = sel("linky_apparent_power_volt_amperes", direction="import")
EXPORT_VA = sel("linky_apparent_power_volt_amperes", direction="export")
# Standard meters without a Tempo contract send the STGE colour bits as 0 (unknown) for
# both days: keep only meters that know today's colour, which a Tempo meter always does.
TEMPO_COLOUR = (f"{stateset_code('linky_tempo_color', TEMPO_STATES, by='meter, day')}\n"
                f"and on(meter) (max by (meter) ({sel('linky_tempo_color', linky_tempo_color='~blue|white|red')}) == 1)")
VOLTAGE_STEPS = thresholds((None, "red"), (207, "green"), (253, "red"))  # 230 V +-10 % (EN 50160)


def build() -> dict:
    lay = Layout()
    lay.row("Now")
    lay.add(stat("Active power drawn", [target(ACTIVE_POWER, "{{meter}}")], unit="watt", graph=True,
                 description="Estimated by the exporter from the timing of the energy register's 1 Wh steps and "
                             "the apparent power (docs/active-power.md): what the bill counts. Appears after three "
                             "register steps; empty while the meter draws nothing."), 4, 5)
    lay.add(stat("Apparent power drawn", [target(IMPORT_VA, "{{meter}}")], unit="voltamp", graph=True,
                 description="SINSTS (standard) or PAPP (historique): what the meter counts against the subscribed power."), 4, 5)
    lay.add(stat("Power factor", [target(POWER_FACTOR, "{{meter}}")], unit="none", decimals=2, graph=True,
                 steps=thresholds((None, "orange"), (0.8, "green")),
                 description="Active / apparent power, fitted by the exporter over the same register steps. "
                             "Resistive loads (heaters, kettle) are near 1, motors and electronics lower."), 3, 5)
    lay.add(gauge("Load against subscribed power",
                  [target(f"100 * {IMPORT_VA} / ignoring(direction) {sel('linky_reference_power_volt_amperes')}", "{{meter}}")],
                  unit="percent", minimum=0, maximum=120,
                  steps=thresholds((None, "green"), (80, "orange"), (100, "red")),
                  description="Apparent power / subscribed power (PREF, or ISOUSC x 200 V in historique). "
                              "Past 100 % for long, the breaker opens at the cut-off power."), 4, 5)
    lay.add(stat("Tariff period now", [target(current_tariff_name(), "{{meter}}: {{name}}", instant=True)],
                 unit="none", text_mode="name", color_mode="none",
                 description="Name of the supplier index in use (LTARF/NTARF, or PTEC in historique)."), 4, 5)
    lay.add(stat("Tempo colour", [target(TEMPO_COLOUR, "{{meter}} {{day}}", instant=True)],
                 unit="none", mappings=[TEMPO_MAP], color_mode="background", text_mode="value_and_name",
                 no_value="not a Tempo contract",
                 description="Today and tomorrow. Tomorrow is announced around 20:00; until then: not announced."), 5, 5)

    lay.add(stat("Mobile peak", [target(sel("linky_mobile_peak_notice"), "{{meter}} announced", instant=True),
                                 target(sel("linky_mobile_peak_active"), "{{meter}} in progress", instant=True)],
                 unit="none", text_mode="value_and_name", color_mode="background",
                 mappings=[value_map({0: ("none", "green"), 1: ("PM1", "orange"), 2: ("PM2", "orange"), 3: ("PM3", "orange")})],
                 description="Mobile-peak (EJP, Tempo-like offers) notice and peak in progress: the number of the peak (1-3)."), 6, 4)
    lay.add(stat("Breaker", [target(stateset_code("linky_breaker_state", BREAKER_STATES), "{{meter}}", instant=True)],
                 unit="none", mappings=[BREAKER_MAP], color_mode="background", text_mode="value_and_name",
                 no_value="n/a (historique)",
                 description="Organe de coupure, from STGE (standard mode only) and why it opened."), 6, 4)
    lay.add(stat("Status flags", [
        target(sel("linky_reference_power_exceeded"), "{{meter}} over subscribed power", instant=True),
        target(sel("linky_overvoltage"), "{{meter}} over-voltage", instant=True),
        target(sel("linky_terminal_cover_open"), "{{meter}} terminal cover open", instant=True),
        target(sel("linky_clock_degraded"), "{{meter}} clock degraded", instant=True),
    ], unit="none", mappings=[NO_YES], color_mode="background", text_mode="value_and_name",
        description="Alarms from STGE (standard mode); historique only has 'over subscribed power' (ADPS)."), 12, 4)

    lay.row("Power")
    lay.add(timeseries("Active and apparent power", [
        target(ACTIVE_POWER, "{{meter}} active (W)"),
        target(IMPORT_VA, "{{meter}} apparent (VA)"),
    ], unit="watt", legend_calcs=["lastNotNull", "mean", "max"],
        overrides=[override("byFrameRefID", "B", unit="voltamp", **{"custom.fillOpacity": 0})],
        description="Watts (what the bill counts, estimated from the register's steps) and volt-amperes "
                    "(what the breaker counts) side by side: the gap between them is the power factor."), 12, 8)
    lay.add(timeseries("Power factor", [
        target(POWER_FACTOR, "{{meter}}"),
    ], unit="none", legend_calcs=["lastNotNull", "min", "mean"], defaults={"min": 0, "max": 1, "decimals": 2},
        description="Active / apparent power drawn, fitted by the exporter over the register's steps "
                    "(docs/active-power.md). It changes as appliances switch on and off."), 12, 8)
    lay.add(timeseries("Apparent power against subscribed and cut-off power", [
        target(IMPORT_VA, "{{meter}} drawn"),
        target(sel("linky_reference_power_volt_amperes"), "{{meter}} subscribed"),
        target(sel("linky_cutoff_power_volt_amperes"), "{{meter}} cut-off"),
    ], unit="voltamp", legend_calcs=["lastNotNull", "max"],
        overrides=[override("byFrameRefID", "B", **{"custom.lineStyle": {"fill": "dash", "dash": [10, 10]}, "custom.fillOpacity": 0}),
                   override("byFrameRefID", "C", **{"custom.lineStyle": {"fill": "dash", "dash": [4, 6]}, "custom.fillOpacity": 0})],
        description="The meter compares apparent power (VA), not active power (W), with the subscription."), 12, 8)
    lay.add(timeseries("Active power: estimate, counter rate and load curve", [
        target(ACTIVE_POWER, "{{meter}} estimate"),
        target(COUNTER_POWER, "{{meter}} rate of the energy counter"),
        target(sel("linky_load_curve_power_watts", direction="import", point="n"), "{{meter}} load-curve point (meter)"),
    ], unit="watt", legend_calcs=["mean", "max"],
        description="The exporter's estimate, the rate of the drawn-energy counter (1 Wh steps: coarse at low "
                    "power, late after a change) and the meter's own load-curve point (CCASN, standard mode: "
                    "mean over its last 30-minute period)."), 12, 8)

    lay.row("Phases")
    lay.add(timeseries("Current per phase", [
        target(sel("linky_current_amperes"), "{{meter}} L{{phase}}"),
        target(sel("linky_overcurrent_warning_amperes"), "{{meter}} L{{phase}} over-current warning"),
    ], unit="amp", legend_calcs=["lastNotNull", "max"],
        description="One series per phase: a single-phase meter has only L1. Warnings (ADPS/ADIR) appear only while sent."), 8, 8)
    lay.add(timeseries("Voltage per phase", [
        target(sel("linky_voltage_volts"), "{{meter}} L{{phase}}"),
        target(sel("linky_voltage_mean_volts"), "{{meter}} L{{phase}} 10-min mean"),
    ], unit="volt", legend_calcs=["min", "max"], defaults={"thresholds": VOLTAGE_STEPS},
        description="URMS and UMOY (standard mode only: historique sends no voltage)."), 8, 8)
    lay.add(timeseries("Apparent power per phase", [
        target(sel("linky_phase_apparent_power_volt_amperes"), "{{meter}} L{{phase}}"),
    ], unit="voltamp", stacked=True, legend_calcs=["lastNotNull", "max"],
        description="SINSTS1-3: three-phase meters in standard mode only."), 8, 8)
    # One gauge per phase: the row repeats over $phase, so a single-phase meter shows one.
    lay.add(gauge("Current L$phase", [target(sel("linky_current_amperes", phase="~$phase"), "{{meter}}", instant=True)],
                  unit="amp", minimum=0, maximum=90, steps=thresholds((None, "green"), (45, "orange"), (60, "red")),
                  repeat="phase", repeatDirection="h", maxPerRow=3,
                  description="Repeated for each value of the Phase variable (the phases the selected meters send)."), 8, 6)
    lay.add(gauge("Voltage L$phase", [target(sel("linky_voltage_volts", phase="~$phase"), "{{meter}}", instant=True)],
                  unit="volt", minimum=190, maximum=270, steps=VOLTAGE_STEPS, no_value="no voltage (historique)",
                  repeat="phase", repeatDirection="h", maxPerRow=3,
                  description="Repeated for each phase; historique sends no voltage."), 8, 6)

    lay.row("Production")
    lay.add(stat("Injected now", [target(EXPORT_VA, "{{meter}} apparent", instant=True),
                                  target(EXPORT_POWER, "{{meter}} active")],
                 unit="voltamp", text_mode="value_and_name", no_value="not a producer", graph=True,
                 overrides=[override("byFrameRefID", "B", unit="watt")],
                 description="SINSTI and the active power injected, estimated from the injected-energy register "
                             "(EAIT): producers only."), 6, 8)
    lay.add(timeseries("Drawn and injected power", [
        target(ACTIVE_POWER, "{{meter}} drawn"),
        target(EXPORT_POWER, "{{meter}} injected"),
    ], unit="watt", overrides=[override("byFrameRefID", "B", **{"custom.transform": "negative-Y"})],
        description="Injected power below zero. Empty 'injected' series: the meter is not in producer mode."), 18, 8)

    variables = [datasource_variable(), meter_variable(),
                 query_variable("phase", "Phase", 'label_values(linky_current_amperes{meter=~"$meter"}, phase)')]
    return dashboard(UID, "Linky / Live", "Power, current, voltage, tariff period and status of the Linky meters, now.",
                     lay, variables, time_from="now-3h", refresh="30s")
