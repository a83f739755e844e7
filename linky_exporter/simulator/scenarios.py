"""Named scenarios: the situations alerts and dashboards must be shown to handle.

A scenario is switched on by name in the URL (``scenario=overload,noise``) and
tuned by its own options (``overload_at=10m``). Each option belongs to exactly one
scenario, so an option without its scenario is a mistake we report instead of
silently ignoring. The parsed result, :class:`Scenarios`, is plain data that the
household (extra load, breaker), the meter (voltage, status bits), the contract
calendars (forced red day, forced EJP day) and the transmitter (silence, mode
switch, meter swap, noise) consult.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from ..tic.stge import BreakerState
from .timespec import Instant, parse_date, parse_duration

#: breaker_cause=NAME -> STGE bits 1-3 (docs/protocol.md §7): the decoder's
#: BreakerState in code order, its open_ states named without the prefix.
BREAKER_CAUSES = {
    state.value.removeprefix("open_"): code
    for code, state in enumerate(BreakerState)
    if state.value.startswith("open_")
}


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


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return value


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return text == "1"


def _swap_seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("must be an integer >= 0")
    return value


def _volts(text: str) -> int:
    value = int(text)
    if not 200 <= value <= 300:
        raise ValueError("must be between 200 and 300 V")
    return value


def _va(text: str) -> int:
    value = int(text)
    if not 0 < value <= 100_000:
        raise ValueError("must be between 1 and 100000 VA")
    return value


def _watts(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(","))
    if not all(0 <= value <= 100_000 for value in values):
        raise ValueError("must be comma-separated watts between 0 and 100000")
    return values


def _period(text: str) -> float:
    value = parse_duration(text)
    if not value > 0:
        raise ValueError("must be a positive duration")
    return value


def _power_factors(text: str) -> tuple[float, ...]:
    values = tuple(float(part) for part in text.split(","))
    if not all(0.1 <= value <= 1.0 for value in values):
        raise ValueError("must be comma-separated power factors between 0.1 and 1")
    return values


def _cause(text: str) -> int:
    if text not in BREAKER_CAUSES:
        raise ValueError("must be one of " + ", ".join(BREAKER_CAUSES))
    return BREAKER_CAUSES[text]


# scenario -> {option: (parser, default)}; a default of None means "computed".
SCENARIO_OPTIONS: dict[str, dict[str, tuple[Callable[[str], object], object]]] = {
    "tempo_red": {"red_day": (parse_date, None)},
    "ejp_notice": {"ejp_day": (parse_date, None)},
    "overload": {
        "overload_at": (Instant.parse, Instant(offset_s=60)),
        "overload_for": (parse_duration, 300.0),
        "overload_va": (_va, None),
    },
    "breaker_open": {
        "breaker_at": (Instant.parse, Instant(offset_s=60)),
        "breaker_for": (parse_duration, 600.0),
        "breaker_cause": (_cause, 1),
    },
    "overvoltage": {
        "overvoltage_at": (Instant.parse, Instant(offset_s=60)),
        "overvoltage_for": (parse_duration, 300.0),
        "overvoltage_volts": (_volts, 256),
    },
    "silent": {"silent_at": (Instant.parse, Instant(offset_s=60)), "silent_for": (parse_duration, None)},
    "mode_switch": {"switch_at": (Instant.parse, Instant(offset_s=60))},
    "fixed_load": {
        "watts": (_watts, (300,)),
        "pf": (_power_factors, (1.0,)),
        "load_every": (_period, None),
    },
    "meter_swap": {
        "swap_at": (Instant.parse, Instant(offset_s=60)),
        "swap_seed": (_swap_seed, None),
        "swap_fresh": (_flag, False),
    },
    "noise": {
        "noise_rate": (_rate, 0.001),
        "eot_rate": (_rate, 0.01),
        "parity": (_flag, True),
        "burst_every": (parse_duration, None),
        "burst_for": (parse_duration, 1.0),
    },
}

OPTION_SCENARIO = {option: name for name, options in SCENARIO_OPTIONS.items() for option in options}


def parse_scenarios(names: list[str], options: dict[str, str]) -> Scenarios:
    """Build :class:`Scenarios` from scenario names and their options (raw text).

    Raises ValueError with a one-line message naming the scenario or option.
    """
    for name in names:
        if name not in SCENARIO_OPTIONS:
            raise ValueError(f"scenario: unknown scenario {name!r} (known: {', '.join(SCENARIO_OPTIONS)})")
    values: dict[str, object] = {}
    for option, raw in options.items():
        owner = OPTION_SCENARIO[option]
        if owner not in names:
            raise ValueError(f"{option}: this option needs scenario={owner}")
        parser, _ = SCENARIO_OPTIONS[owner][option]
        try:
            values[option] = parser(raw)
        except ValueError as error:
            raise ValueError(f"{option}: bad value {raw!r}: {error}") from None

    def get(option: str):
        return values.get(option, SCENARIO_OPTIONS[OPTION_SCENARIO[option]][option][1])

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


__all__ = ["BREAKER_CAUSES", "FixedLoad", "Noise", "SCENARIO_OPTIONS", "Scenarios", "Window", "parse_scenarios"]
