"""The simulated meter: integrates the household's power into its registers.

Time moves in ticks of simulated time (power is constant within a tick, like
a meter's measurement period): one second, or ten when the simulation runs fast
(``SimulatorConfig.tick_ms``); ``advance_to`` may stop in the middle of a tick.
Energy is accumulated as exact integers in W·ms (VAr·ms for reactive energy) per
register, so an index shows exactly ``floor(initial + Σ P·dt / 3.6e6)``
Wh: no energy is rounded away or invented, however the time is sliced.

Only the supplier index running during a tick grows during that tick (and the
distributor index likewise). Daily maxima roll over at local midnight, load-curve
points close every 30 minutes, mean voltages every 10 minutes, as a Linky does.

:meth:`SimulatedMeter.truth` exposes the ground truth (exact energies, current
powers, voltages) so that tests can compare it with what the exporter shows.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

from .clock import LocalCalendar, LocalTime, local_midnight_ms
from .config import SimulatorConfig
from .contracts import EJP_NOTICE_S, EJP_PEAK_START, TEMPO_DAY_START, Contract, TariffState, make_contract
from .grid import OVERVOLTAGE_V, Grid
from .household import Household
from .measures import Peak, Sample, Truth
from .starting_indexes import starting_indexes

WMS_PER_WH = 3_600_000
CURVE_MS = 30 * 60 * 1000  # load-curve period (CCASN)
UMOY_MS = 10 * 60 * 1000  # mean-voltage period (UMOY)
IMPORT, EXPORT = "import", "export"


class SimulatedMeter:
    def __init__(self, config: SimulatorConfig, fresh: bool = False):
        """``fresh``: a meter just installed, every index at 0 (the meter_swap scenario's swap_fresh)."""
        if config.start is None:
            config = config.started()
        self.config = config
        self.phases = config.phases
        self.tick_ms = config.tick_ms
        start_ms = round(config.start.timestamp() * 1000)
        self.start_ms = start_ms
        scen = config.scenarios
        self.reference_va = config.reference_kva * 1000
        self.isousc = config.subscribed_amperes
        self.calendar = LocalCalendar()
        forced_red = forced_ejp = None
        start_local = self.calendar.at(start_ms // 1000)
        if "tempo_red" in scen:
            forced_red = scen.tempo_red_day or _tempo_day_after(start_local)
        if "ejp_notice" in scen:
            forced_ejp = scen.ejp_day or _next_ejp_notice_day(start_local)
        self.forced_red, self.forced_ejp = forced_red, forced_ejp
        self.contract: Contract = make_contract(config.contract, config.offpeak, config.seed, forced_red, forced_ejp)
        overload = breaker = overvoltage = None
        if scen.overload:
            begin, end = scen.overload.resolve_ms(start_ms)
            overload = (begin, end, scen.overload_va or round(self.reference_va * 1.3))
        if scen.breaker:
            breaker = scen.breaker.resolve_ms(start_ms)
        if scen.overvoltage:
            begin, end = scen.overvoltage.resolve_ms(start_ms)
            overvoltage = (begin, end, scen.overvoltage_volts)
        self.breaker_window = breaker
        fixed = (scen.fixed_load, start_ms // 1000) if scen.fixed_load else None
        self.household = Household(
            config.seed, config.phases, config.producer, self.contract.offpeak, overload, breaker, fixed
        )
        self.grid = Grid(config.seed, config.phases, overvoltage)
        self._tariffs: dict[int, TariffState] = {}

        self.address = f"02{config.start.year % 100:02d}{61 if config.phases == 1 else 63}99{config.seed % 10000:04d}"
        self.prm = f"99999{config.seed % 10**9:09d}"
        initial = starting_indexes(config, fresh)
        self.initial_supplier_wh = initial.supplier_wh
        self.initial_distributor_wh = initial.distributor_wh
        self.initial_export_wh = initial.export_wh
        self.initial_reactive_varh = initial.reactive_varh

        # Exact accumulators since the start, in W·ms / VAr·ms.
        self.supplier_wms = dict.fromkeys(range(1, 11), 0)
        self.distributor_wms = dict.fromkeys(range(1, 5), 0)
        self.export_wms = 0
        self.reactive_varms = dict.fromkeys(range(1, 5), 0)
        self.last_overcurrent_ms: int | None = None
        self._warm_up(start_ms)

    # -- time -----------------------------------------------------------------

    def advance_to(self, target_ms: int) -> None:
        """Integrate every tick up to ``target_ms`` (never backwards)."""
        now = self.now_ms
        while now < target_ms:
            tick = now - now % self.tick_ms
            sample = self.sample if self.sample.tick_ms == tick else self._enter_tick(tick)
            end = min(tick + self.tick_ms, target_ms)
            dt = end - now
            index = sample.tariff.supplier_index
            self.supplier_wms[index] += sample.import_w * dt
            self.distributor_wms[sample.tariff.distributor_index] += sample.import_w * dt
            self.export_wms += sample.export_w * dt
            self.reactive_varms[1 if sample.import_w or not sample.export_w else 2] += sample.reactive_var * dt
            self._period_import += sample.import_w * dt
            self._period_export += sample.export_w * dt
            for phase, volts in enumerate(sample.voltages):
                self._umoy_sum[phase] += volts * dt
            now = end
        self.now_ms = now
        if now % self.tick_ms == 0 and self.sample.tick_ms != now:
            # A new tick starts exactly now: close the day/periods it ends and measure it,
            # so the state shown at an instant includes what changes at that instant.
            self._enter_tick(now)

    def _enter_tick(self, tick: int) -> Sample:
        """Close what ends at this tick's start (day, periods), then measure the tick."""
        local = self.calendar.at(tick // 1000)
        if local.day != self.day:
            self.day = local.day
            self.smax_yesterday = self.smax_today
            midnight = local_midnight_ms(local.day)
            self.smax_today = {key: Peak(0, midnight) for key in self.smax_yesterday}
        if tick % CURVE_MS == 0 and tick > self._period_start:
            self.curve = {
                IMPORT: (Peak(round(self._period_import / CURVE_MS), tick), self.curve[IMPORT][0]),
                EXPORT: (Peak(round(self._period_export / CURVE_MS), tick), self.curve[EXPORT][0]),
            }
            self._period_import = self._period_export = 0
            self._period_start = tick
        if tick % UMOY_MS == 0 and tick > self._umoy_start:
            self.umoy = tuple(Peak(round(total / UMOY_MS), tick) for total in self._umoy_sum)
            self._umoy_sum = [0.0] * self.phases
            self._umoy_start = tick
        sample = self.measure(tick, local)
        self._record_peaks(sample)
        if any(current > self.isousc for current in sample.currents) and sample.import_w:
            self.last_overcurrent_ms = tick
        self.sample = sample
        return sample

    def _record_peaks(self, sample: Sample) -> None:
        today = self.smax_today
        tick = sample.tick_ms
        if sample.import_va > today[IMPORT].va:
            today[IMPORT] = Peak(sample.import_va, tick)
        if sample.export_va > today[EXPORT].va:
            today[EXPORT] = Peak(sample.export_va, tick)
        if self.phases == 3:
            for phase, va in enumerate(sample.phase_import_va, start=1):
                if va > today[phase].va:
                    today[phase] = Peak(va, tick)

    def measure(self, tick: int, local: LocalTime | None = None) -> Sample:
        """What the meter measures during the tick starting at ``tick`` (a pure function)."""
        epoch_s = tick // 1000
        local = local or self.calendar.at(epoch_s)
        minute = epoch_s // 60
        tariff = self._tariffs.get(minute)
        if tariff is None:
            if len(self._tariffs) > 4096:
                self._tariffs.clear()
            tariff = self._tariffs[minute] = self.contract.state(local)
        load = self.household.load(epoch_s, local)
        phase_net, phase_va = [], []
        for phase, (watts, va) in enumerate(zip(load.active_w, load.apparent_va)):
            reactive = math.sqrt(max(0, va * va - watts * watts))
            net = watts - (load.solar_w if phase == 0 else 0)
            phase_net.append(net)
            phase_va.append(math.hypot(net, reactive) if net else reactive)
        total = sum(phase_net)
        import_w, export_w = max(0, total), max(0, -total)
        import_va = max(import_w, round(sum(va for net, va in zip(phase_net, phase_va) if net >= 0)))
        export_va = max(export_w, round(sum(va for net, va in zip(phase_net, phase_va) if net < 0)))
        rough_currents = [va / 230.0 for va in phase_va]
        volts = self.grid.voltages(epoch_s, local.second, rough_currents, load.solar_w / 230.0)
        currents = tuple(va / v for va, v in zip(phase_va, volts))
        reactive_var = round(math.sqrt(max(0, sum(load.apparent_va) ** 2 - sum(load.active_w) ** 2)))
        return Sample(
            tick, local, tariff, import_w, import_va, export_w, export_va,
            tuple(round(va) if net >= 0 else 0 for net, va in zip(phase_net, phase_va)),
            tuple(volts), currents, reactive_var,
        )  # fmt: skip

    def _warm_up(self, start_ms: int) -> None:
        """Give the meter a past: maxima, two load-curve points and a mean voltage.

        Today's and yesterday's maxima come from a five-minute scan (cheap);
        the last hour before the current load-curve period is then metered
        tick by tick, which closes two 30-minute and several 10-minute periods.
        Energy metered during the warm-up is then forgotten: the starting
        indexes already include the past.
        """
        begin = start_ms - start_ms % CURVE_MS - 2 * CURVE_MS
        local = self.calendar.at(begin // 1000)
        self.day = local.day
        midnight = local_midnight_ms(local.day)
        keys = [IMPORT, EXPORT, *(range(1, 4) if self.phases == 3 else ())]
        self.smax_yesterday = self._scan_peaks(keys, local_midnight_ms(_previous(local.day)), midnight)
        self.smax_today = self._scan_peaks(keys, midnight, begin)
        self.curve = {IMPORT: (Peak(0, begin), Peak(0, begin)), EXPORT: (Peak(0, begin), Peak(0, begin))}
        self.umoy = tuple(Peak(230, begin) for _ in range(self.phases))
        self._period_import = self._period_export = 0
        self._period_start = self._umoy_start = begin
        self._umoy_sum = [0.0] * self.phases
        self.now_ms = begin
        self.sample = self._enter_tick(begin)
        self.advance_to(start_ms)
        for registers in (self.supplier_wms, self.distributor_wms, self.reactive_varms):
            for key in registers:
                registers[key] = 0
        self.export_wms = 0
        self.last_overcurrent_ms = None

    def _scan_peaks(self, keys: list, begin: int, end: int) -> dict:
        peaks = {key: Peak(0, begin) for key in keys}
        for tick in range(begin, end, 300_000):
            sample = self.measure(tick)
            values = {IMPORT: sample.import_va, EXPORT: sample.export_va}
            values.update(enumerate(sample.phase_import_va, start=1))
            for key in keys:
                if values[key] > peaks[key].va:
                    peaks[key] = Peak(values[key], tick)
        return peaks

    # -- registers, as the meter shows them -------------------------------------

    def supplier_wh(self, index: int) -> int:
        return self.initial_supplier_wh[index] + self.supplier_wms[index] // WMS_PER_WH

    def distributor_wh(self, index: int) -> int:
        return self.initial_distributor_wh[index] + self.distributor_wms[index] // WMS_PER_WH

    def total_wh(self) -> int:
        """EAST, and the historique total: the sum of the supplier indexes shown."""
        return sum(self.supplier_wh(i) for i in range(1, 11))

    def export_wh(self) -> int:
        return self.initial_export_wh + self.export_wms // WMS_PER_WH

    def reactive_varh(self, quadrant: int) -> int:
        return self.initial_reactive_varh[quadrant] + self.reactive_varms[quadrant] // WMS_PER_WH

    @property
    def tariff(self) -> TariffState:
        return self.sample.tariff

    def reference_power_exceeded(self) -> bool:
        return self.sample.import_va > self.reference_va

    def overvoltage(self) -> bool:
        return any(v > OVERVOLTAGE_V for v in self.sample.voltages)

    def breaker_code(self) -> int:
        window = self.breaker_window
        if window and window[0] <= self.now_ms < window[1]:
            return self.config.scenarios.breaker_cause
        return 0

    def overcurrent_recent(self, within_ms: int = 60_000) -> bool:
        """A phase exceeded its setting current less than ``within_ms`` ago (tri short frames)."""
        last = self.last_overcurrent_ms
        return last is not None and self.now_ms - last < within_ms

    def relays(self) -> int:
        """RELAIS bitmask: relay 1 (the water heater's) closed during off-peak hours."""
        return 1 if self.tariff.offpeak and not self.breaker_code() else 0

    def truth(self) -> Truth:
        sample = self.sample
        supplier = {i: self.initial_supplier_wh[i] + Fraction(self.supplier_wms[i], WMS_PER_WH) for i in range(1, 11)}
        distributor = {
            i: self.initial_distributor_wh[i] + Fraction(self.distributor_wms[i], WMS_PER_WH) for i in range(1, 5)
        }
        return Truth(
            self.now_ms, supplier, distributor, sum(supplier.values()),
            self.initial_export_wh + Fraction(self.export_wms, WMS_PER_WH),
            sample.import_w, sample.import_va, sample.export_w, sample.export_va, sample.phase_import_va,
            sample.voltages, sample.currents, sample.tariff,
        )  # fmt: skip


def _previous(day: date) -> date:
    return day - timedelta(days=1)


def _tempo_day_after(local: LocalTime) -> date:
    day = local.day if local.second >= TEMPO_DAY_START else local.day - timedelta(days=1)
    return day + timedelta(days=1)


def _next_ejp_notice_day(local: LocalTime) -> date:
    return local.day if local.second < EJP_PEAK_START - EJP_NOTICE_S else local.day + timedelta(days=1)
