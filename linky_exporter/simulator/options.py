"""Every option of a ``simulated://`` URL, declared once: its name, how its text is read, its default, what it sets.

One layer per concern: an option's text is checked here, by the option's own
reader (one line naming the option); what options mean together (tempo_red
needs contract=tempo...) is checked by :class:`.config.SimulatorConfig`. A meter
option sets the configuration field it names; a scenario option tunes the
scenario it belongs to, and is a mistake without it (docs/simulator.md has the
full table).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..grammar.durations import parse_nonnegative_duration as parse_duration
from ..tic.stge import BreakerState
from .timespec import Instant, parse_date, parse_datetime

CONTRACTS = ("base", "hc", "ejp", "tempo")
#: breaker_cause=NAME -> STGE bits 1-3 (docs/protocol.md §7): the decoder's
#: BreakerState in code order, its open_ states named without the prefix.
BREAKER_CAUSES = {
    state.value.removeprefix("open_"): code for code, state in enumerate(BreakerState) if state.value.startswith("open_")
}
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Option:
    name: str
    read: Callable[[str], Any]  # text -> value; ValueError says what is wrong with the value
    default: Any = None  # None: unset, or computed where it is used
    field: str | None = None  # meter options: the SimulatorConfig field (its name if None)
    scenario: str | None = None  # scenario options: the scenario they tune

    def parse(self, text: str) -> Any:
        try:
            return self.read(text)
        except ValueError as error:
            raise ValueError(f"{self.name}: bad value {text!r}: {error}") from None


def _choice(*choices: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text.lower() not in choices:
            raise ValueError("must be " + " or ".join(choices))
        return text.lower()

    return read


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return text == "1"


def _bounded(kind: Callable[[str], Any], low: float, high: float, what: str) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        value = kind(text)
        if not low <= value <= high:
            raise ValueError(what)
        return value

    return read


def _speed(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1e7:
        raise ValueError("must be a number above 0 (simulated seconds per real second)")
    return value


def _clock(text: str) -> int:
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise ValueError("times must be HH:MM")
    return int(match[1]) * 3600 + int(match[2]) * 60


def _offpeak(text: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for item in text.split(","):
        start, dash, end = item.strip().partition("-")
        if not dash:
            raise ValueError("must be HH:MM-HH:MM[,HH:MM-HH:MM...]")
        begin, finish = _clock(start), _clock(end)
        if begin == finish:
            raise ValueError("an off-peak range cannot be empty")
        ranges.append((begin, finish))
    return tuple(ranges)


def _list(kind: Callable[[str], Any], low: float, high: float, what: str) -> Callable[[str], tuple]:
    def read(text: str) -> tuple:
        values = tuple(kind(part) for part in text.split(","))
        if not all(low <= value <= high for value in values):
            raise ValueError(what)
        return values

    return read


def _period(text: str) -> float:
    value = parse_duration(text)
    if not value > 0:
        raise ValueError("must be a positive duration")
    return value


def _cause(text: str) -> int:
    if text not in BREAKER_CAUSES:
        raise ValueError("must be one of " + ", ".join(BREAKER_CAUSES))
    return BREAKER_CAUSES[text]


_RATE = _bounded(float, 0.0, 1.0, "must be between 0 and 1")

METER_OPTIONS = (
    Option("phases", lambda text: int(_choice("1", "3")(text))),
    Option("contract", _choice(*CONTRACTS)),
    Option("producer", _flag),
    Option("seed", _bounded(int, 0, 2**63 - 1, "must be a non-negative integer")),
    Option("speed", _speed),
    Option("start", parse_datetime),
    Option("offpeak", _offpeak),
    Option("pref", _bounded(int, 1, 36, "must be a reference power between 1 and 36 kVA"), field="pref_kva"),
)


def _scenario(name: str, *options: Option) -> tuple[str, tuple[Option, ...]]:
    return name, tuple(Option(o.name, o.read, o.default, scenario=name) for o in options)


# scenario -> its options, in the order docs/simulator.md lists them.
SCENARIOS: dict[str, tuple[Option, ...]] = dict([
    _scenario("tempo_red", Option("red_day", parse_date)),
    _scenario("ejp_notice", Option("ejp_day", parse_date)),
    _scenario(
        "overload",
        Option("overload_at", Instant.parse, Instant(offset_s=60)),
        Option("overload_for", parse_duration, 300.0),
        Option("overload_va", _bounded(int, 1, 100_000, "must be between 1 and 100000 VA")),
    ),
    _scenario(
        "breaker_open",
        Option("breaker_at", Instant.parse, Instant(offset_s=60)),
        Option("breaker_for", parse_duration, 600.0),
        Option("breaker_cause", _cause, 1),
    ),
    _scenario(
        "overvoltage",
        Option("overvoltage_at", Instant.parse, Instant(offset_s=60)),
        Option("overvoltage_for", parse_duration, 300.0),
        Option("overvoltage_volts", _bounded(int, 200, 300, "must be between 200 and 300 V"), 256),
    ),
    _scenario("silent", Option("silent_at", Instant.parse, Instant(offset_s=60)), Option("silent_for", parse_duration)),
    _scenario("mode_switch", Option("switch_at", Instant.parse, Instant(offset_s=60))),
    _scenario(
        "fixed_load",
        Option("watts", _list(int, 0, 100_000, "must be comma-separated watts between 0 and 100000"), (300,)),
        Option("pf", _list(float, 0.1, 1.0, "must be comma-separated power factors between 0.1 and 1"), (1.0,)),
        Option("load_every", _period),
    ),
    _scenario(
        "meter_swap",
        Option("swap_at", Instant.parse, Instant(offset_s=60)),
        Option("swap_seed", _bounded(int, 0, float("inf"), "must be an integer >= 0")),
        Option("swap_fresh", _flag, False),
    ),
    _scenario(
        "noise",
        Option("noise_rate", _RATE, 0.001),
        Option("eot_rate", _RATE, 0.01),
        Option("parity", _flag, True),
        Option("burst_every", parse_duration),
        Option("burst_for", parse_duration, 1.0),
    ),
])  # fmt: skip

#: Every option by name: the meter's and each scenario's.
OPTIONS: dict[str, Option] = {o.name: o for o in (*METER_OPTIONS, *(o for opts in SCENARIOS.values() for o in opts))}
