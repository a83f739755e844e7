"""A household's electricity use (and, for producers, its solar panels) over time.

``Household.load(epoch_s, local)`` is a pure function of the seed and the
simulated second: base load, fridge cycles, lights after dusk, cooking peaks at
meals, thermostatic heating on winter mornings and evenings, a washing machine at
weekends, an electric water heater that starts when the off-peak hours begin, and
solar production following the sun. The fixed traits of the household (heater
power, fridge period...) are drawn once with ``random.Random(seed)``; what varies
day to day (meal times, cloud cover) is keyed on the date with
:mod:`.deterministic`, so any instant can be evaluated without replaying the past.

Each appliance has a power factor; apparent power is the sum of P / pf per
phase, so it is never below active power and the overall factor stays between
0.85 and 1. On three-phase, appliances are spread over the phases the way an
installer would wire them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .clock import LocalTime
from .deterministic import SlotNoise, between, unit
from .scenarios import FixedLoad

H, M = 3600, 60
# Approximate sunrise / sunset in Paris, local legal time, by month (seconds of the day).
_SUN = {
    1: (8.67, 17.25), 2: (8.08, 18.0), 3: (7.25, 18.75), 4: (7.25, 20.5), 5: (6.42, 21.25), 6: (5.83, 21.92),
    7: (6.08, 21.83), 8: (6.75, 21.17), 9: (7.5, 20.08), 10: (8.25, 19.0), 11: (8.0, 17.25), 12: (8.58, 16.92),
}  # fmt: skip
# Share of the heating power used, by month (0 in summer).
_HEATING_SEASON = {10: 0.25, 11: 0.6, 12: 0.9, 1: 1.0, 2: 0.85, 3: 0.55, 4: 0.3}
# Solar yield by month, relative to June.
_SOLAR_SEASON = {1: 0.35, 2: 0.5, 3: 0.7, 4: 0.85, 5: 0.95, 6: 1.0, 7: 1.0, 8: 0.9, 9: 0.75, 10: 0.55, 11: 0.4, 12: 0.3}


class Load(NamedTuple):
    """What the household draws and produces during one second."""

    active_w: tuple[int, ...]  # consumption per phase
    apparent_va: tuple[int, ...]  # consumption per phase, >= active
    solar_w: int  # production (on phase 1), 0 at night


@dataclass(frozen=True)
class _Burst:
    """An appliance running from ``start`` to ``end`` (seconds of the day)."""

    start: int
    end: int
    watts: float
    pf: float
    phase: int
    period: int = 0  # thermostat cycle, 0 = always on while running
    duty: float = 1.0

    def watts_at(self, second: int, epoch_s: int) -> float:
        if not self.start <= second < self.end:
            return 0.0
        if self.period and (epoch_s % self.period) >= self.duty * self.period:
            return 0.0
        return self.watts


class Household:
    def __init__(
        self,
        seed: int,
        phases: int = 1,
        producer: bool = False,
        offpeak: tuple[tuple[int, int], ...] = ((22 * H, 6 * H),),
        overload: tuple[int, int, int] | None = None,  # (from ms, to ms, VA)
        breaker_open: tuple[int, int] | None = None,  # (from ms, to ms)
        fixed_load: tuple[FixedLoad, int] | None = None,  # (the load, start in epoch seconds)
    ):
        self.seed = seed
        self.phases = phases
        self.producer = producer
        self.offpeak = offpeak
        self.overload = overload
        self.breaker_open = breaker_open
        self.fixed_load = fixed_load
        rng = random.Random(seed)
        self.base_w = rng.uniform(90, 160)
        self.fridge_w = rng.uniform(90, 130)
        self.fridge_period = rng.randint(2400, 3000)
        self.fridge_duty = rng.uniform(0.3, 0.45)
        self.fridge_offset = rng.randint(0, 3000)
        self.heater_w = rng.uniform(3000, 4500) if phases == 1 else rng.uniform(4500, 7500)
        self.water_heater_w = 2400.0 if phases == 1 else 3000.0  # three-phase: a third per phase
        self.solar_peak_w = rng.uniform(2500, 4500) if phases == 1 else rng.uniform(4000, 6000)
        self._plans: dict[date, list[_Burst]] = {}
        self._base_noise = SlotNoise(seed, 1, 300)  # the base load wanders every 5 minutes
        # Three-phase wiring: lights on phase 1, hob on 2, oven and fridge on 3,
        # one radiator circuit per phase, a three-phase water heater.
        self._cooking_phase = 1 if phases == 3 else 0
        self._oven_phase = 2 if phases == 3 else 0
        self._fridge_phase = 2 if phases == 3 else 0

    # -- public ---------------------------------------------------------------

    def load(self, epoch_s: int, now: LocalTime) -> Load:
        n = self.phases
        active = [0.0] * n
        apparent = [0.0] * n
        ms = epoch_s * 1000
        if self.breaker_open and self.breaker_open[0] <= ms < self.breaker_open[1]:
            zero = (0,) * n
            return Load(zero, zero, 0)  # the installation is cut off, panels included

        if self.fixed_load is not None:
            return self._fixed(epoch_s)
        second = now.second
        base = self.base_w * (0.9 + 0.2 * self._base_noise.at(epoch_s))
        for phase in range(n):
            active[phase] += base / n
            apparent[phase] += base / n / 0.9
        if (epoch_s + self.fridge_offset) % self.fridge_period < self.fridge_duty * self.fridge_period:
            active[self._fridge_phase] += self.fridge_w
            apparent[self._fridge_phase] += self.fridge_w / 0.85
        for burst in self._plan(now.day):
            if burst.start <= second < burst.end:
                watts = burst.watts_at(second, epoch_s)
                if watts:
                    phase = burst.phase % n
                    active[phase] += watts
                    apparent[phase] += watts / burst.pf
        if self.overload and self.overload[0] <= ms < self.overload[1]:
            for phase in range(n):
                active[phase] += self.overload[2] / n
                apparent[phase] += self.overload[2] / n
        solar = self._solar(epoch_s, now) if self.producer else 0
        watts = tuple(round(p) for p in active)
        return Load(watts, tuple(max(w, round(s)) for w, s in zip(watts, apparent)), solar)

    def _fixed(self, epoch_s: int) -> Load:
        """The fixed_load scenario: one load of known active power and power factor, spread over the phases."""
        load, start_s = self.fixed_load  # type: ignore[misc]
        total, power_factor = load.at(epoch_s - start_s)
        share = total / self.phases
        watts = tuple(round(share) for _ in range(self.phases))
        return Load(watts, tuple(round(share / power_factor) for _ in range(self.phases)), 0)

    # -- day plan ---------------------------------------------------------------

    def _plan(self, day: date) -> list[_Burst]:
        plan = self._plans.get(day)
        if plan is None:
            if len(self._plans) > 400:
                self._plans.clear()
            plan = self._plans[day] = self._make_plan(day)
        return plan

    def _make_plan(self, day: date) -> list[_Burst]:
        key = day.toordinal()
        seed = self.seed

        def jitter(slot: int, spread: int) -> int:
            return round(between(-spread, spread, seed, key, slot))

        weekend = day.weekday() >= 5
        bursts: list[_Burst] = []
        cook = self._cooking_phase
        # Lights: from half an hour before sunset to bedtime, and at dawn if it is dark.
        sunrise, sunset = (round(h * H) for h in _SUN[day.month])
        wake = 6 * H + 45 * M + jitter(10, 15 * M) + (90 * M if weekend else 0)
        bed = 23 * H + jitter(11, 30 * M)
        bursts.append(_Burst(sunset - 30 * M, bed, between(120, 260, seed, key, 12), 0.95, 0))
        if wake < sunrise:
            bursts.append(_Burst(wake, min(sunrise, wake + 90 * M), 150, 0.95, 0))
        # Breakfast: a kettle and a toaster.
        bursts.append(_Burst(wake + 10 * M, wake + 16 * M, 2000, 1.0, cook))
        # Lunch at home at weekends and some weekdays: a hob cycling on its thermostat.
        if weekend or unit(seed, key, 13) < 0.3:
            start = 12 * H + 20 * M + jitter(14, 20 * M)
            bursts.append(_Burst(start, start + 35 * M, 1800, 1.0, cook, 120, 0.7))
        # Dinner: hob, and the oven on some days.
        dinner = 19 * H + 30 * M + jitter(15, 30 * M)
        bursts.append(_Burst(dinner, dinner + 40 * M, 2400, 1.0, cook, 90, 0.6))
        if unit(seed, key, 16) < 0.4:
            bursts.append(_Burst(dinner - 30 * M, dinner + 20 * M, 2200, 1.0, self._oven_phase, 240, 0.5))
        # Washing machine at weekends: water heating, then the motor.
        if weekend:
            start = 10 * H + jitter(17, 60 * M)
            bursts.append(_Burst(start, start + 15 * M, 2000, 1.0, 0))
            bursts.append(_Burst(start + 15 * M, start + 75 * M, 300, 0.85, 0))
        bursts.extend(self._heating(day, key, wake, bed))
        bursts.extend(self._water_heater(key))
        return bursts

    def _heating(self, day: date, key: int, wake: int, bed: int) -> list[_Burst]:
        season = _HEATING_SEASON.get(day.month, 0.0)
        if not season:
            return []
        level = season * between(0.7, 1.2, self.seed, key, 20)
        # (from, to, demand): warm mornings and evenings, low at night and while out.
        periods = [(0, wake - 30 * M, 0.25), (wake - 30 * M, 9 * H, 1.0), (9 * H, 17 * H, 0.2), (17 * H, bed, 0.9),
                   (bed, 24 * H, 0.25)]  # fmt: skip
        bursts = []
        radiators = 1 if self.phases == 1 else 3
        for radiator in range(radiators):
            for start, end, demand in periods:
                duty = min(1.0, level * demand)
                if end > start and duty > 0.02:
                    # Thermostats cycle over 15 minutes; shift each radiator's cycle.
                    bursts.append(
                        _Burst(start, end, self.heater_w / radiators, 1.0, radiator, 900 + 60 * radiator, duty)
                    )
        return bursts

    def _water_heater(self, key: int) -> list[_Burst]:
        """The water heater starts when off-peak hours begin and heats until the tank is hot."""
        bursts = []
        for n, (start, end) in enumerate(self.offpeak):
            length = (end - start) % 86400
            need = round(between(60, 150, self.seed, key, 30 + n) * M) if n == 0 else round(25 * M)
            run = min(need, length)
            # A range that wraps midnight: the part after midnight belongs to the previous
            # day's plan, so split it in two here.
            first = min(start + run, 86400)
            bursts += self._water_heater_bursts(start, first)
        for n, (start, end) in enumerate(self.offpeak):
            # The tail of yesterday's run that wraps past midnight.
            length = (end - start) % 86400
            need = round(between(60, 150, self.seed, key - 1, 30 + n) * M) if n == 0 else round(25 * M)
            overflow = start + min(need, length) - 86400
            if overflow > 0:
                bursts += self._water_heater_bursts(0, overflow)
        return bursts

    def _water_heater_bursts(self, start: int, end: int) -> list[_Burst]:
        share = self.water_heater_w / self.phases
        return [_Burst(start, end, share, 1.0, phase) for phase in range(self.phases)]

    # -- sun ------------------------------------------------------------------

    def _solar(self, epoch_s: int, now: LocalTime) -> int:
        sunrise, sunset = (h * H for h in _SUN[now.day.month])
        if not sunrise < now.second < sunset:
            return 0
        height = math.sin(math.pi * (now.second - sunrise) / (sunset - sunrise)) ** 1.3
        key = now.day.toordinal()
        clear = between(0.3, 1.0, self.seed, key, 40)  # the day's weather
        cloud = 0.75 + 0.25 * unit(self.seed, key, 41, epoch_s // 300)  # passing clouds
        return round(self.solar_peak_w * _SOLAR_SEASON[now.day.month] * height * clear * cloud)
