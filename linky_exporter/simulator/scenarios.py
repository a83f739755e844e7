"""Named scenarios: the situations alerts and dashboards must be shown to handle.

A scenario is switched on by name in the URL (``scenario=overload,noise``) and
tuned by its own options (``overload_at=10m``, declared in :mod:`.options`).
Each option belongs to exactly one scenario, so an option without its scenario
is a mistake we report instead of silently ignoring. The parsed result, :class:`Scenarios`, is plain data that the
household (extra load, breaker), the meter (voltage, status bits), the contract
calendars (forced red day, forced EJP day) and the transmitter (silence, mode
switch, meter swap, noise) consult.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .options import OPTIONS, SCENARIOS
from .timespec import Instant


@dataclass(frozen=True)
class Window:
    """A scenario that holds from ``at`` for ``duration_s`` simulated seconds."""

    at: Instant
    duration_s: float

    def resolve_ms(self, start_ms: int) -> tuple[int, int]:
        begin = self.at.resolve_ms(start_ms)
        return begin, begin + round(self.duration_s * 1000)


@dataclass(frozen=True)
class Noise:
    byte_rate: float = 0.001  # fraction of bytes replaced by a random byte
    eot_rate: float = 0.01  # fraction of frames aborted with EOT part-way
    parity: bool = True  # bit 7 carries the even parity bit (a 7E1 line read as 8N1)
    # Bursts: corruption only during the first burst_for seconds of every
    # burst_every seconds of line time (a heat pump starting, a charger); None: always.
    burst_every_s: float | None = None
    burst_for_s: float = 1.0

    def active(self, line_s: float) -> bool:
        return self.burst_every_s is None or line_s % self.burst_every_s < self.burst_for_s


@dataclass(frozen=True)
class FixedLoad:
    """The whole household replaced by one load: ``watts`` (and ``power_factors``) in turn, each for ``every_s``."""

    watts: tuple[int, ...] = (300,)
    power_factors: tuple[float, ...] = (1.0,)
    every_s: float | None = None  # None: the first value for ever

    def at(self, since_start_s: float) -> tuple[int, float]:
        """(active power, power factor) at that many seconds after the start."""
        turn = 0 if self.every_s is None else int(since_start_s // self.every_s)
        return self.watts[turn % len(self.watts)], self.power_factors[turn % len(self.power_factors)]


@dataclass(frozen=True)
class Scenarios:
    names: tuple[str, ...] = ()
    tempo_red_day: date | None = None  # None with "tempo_red": the day after the start's
    ejp_day: date | None = None  # None with "ejp_notice": the next 06:30 after the start
    overload: Window | None = None
    overload_va: int | None = None  # None: 30 % above the reference power
    breaker: Window | None = None
    breaker_cause: int = 1
    overvoltage: Window | None = None
    overvoltage_volts: int = 256
    silent_at: Instant | None = None
    silent_for_s: float | None = None  # None: silent for good
    switch_at: Instant | None = None
    swap_at: Instant | None = None
    swap_seed: int | None = None  # None with "meter_swap": the seed + 1
    swap_fresh: bool = False  # the new meter's indexes start at 0 (a new meter)
    noise: Noise | None = None
    fixed_load: FixedLoad | None = None

    def __contains__(self, name: str) -> bool:
        return name in self.names


def parse_scenarios(names: list[str], options: dict[str, str]) -> Scenarios:
    """Build :class:`Scenarios` from scenario names and their options (raw text).

    Raises ValueError with a one-line message naming the scenario or option.
    """
    for name in names:
        if name not in SCENARIOS:
            raise ValueError(f"scenario: unknown scenario {name!r} (known: {', '.join(SCENARIOS)})")
    values: dict[str, object] = {}
    for name, raw in options.items():
        option = OPTIONS[name]
        if option.scenario not in names:
            raise ValueError(f"{name}: this option needs scenario={option.scenario}")
        values[name] = option.parse(raw)

    def get(name: str):
        return values.get(name, OPTIONS[name].default)

    def window(name: str, prefix: str) -> Window | None:
        if name not in names:
            return None
        return Window(get(f"{prefix}_at"), get(f"{prefix}_for"))

    return Scenarios(
        names=tuple(dict.fromkeys(names)),
        tempo_red_day=get("red_day"),
        ejp_day=get("ejp_day"),
        overload=window("overload", "overload"),
        overload_va=get("overload_va"),
        breaker=window("breaker_open", "breaker"),
        breaker_cause=get("breaker_cause"),
        overvoltage=window("overvoltage", "overvoltage"),
        overvoltage_volts=get("overvoltage_volts"),
        silent_at=get("silent_at") if "silent" in names else None,
        silent_for_s=get("silent_for"),
        switch_at=get("switch_at") if "mode_switch" in names else None,
        swap_at=get("swap_at") if "meter_swap" in names else None,
        swap_seed=get("swap_seed"),
        swap_fresh=get("swap_fresh"),
        noise=Noise(get("noise_rate"), get("eot_rate"), get("parity"), get("burst_every"), get("burst_for"))
        if "noise" in names
        else None,
        fixed_load=FixedLoad(get("watts"), get("pf"), get("load_every")) if "fixed_load" in names else None,
    )


__all__ = ["FixedLoad", "Noise", "Scenarios", "Window", "parse_scenarios"]
