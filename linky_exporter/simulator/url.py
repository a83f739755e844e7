"""``simulated://MODE?options`` → :class:`SimulatorConfig`.

Grammar (docs/simulator.md has the full table)::

    simulated://historique|standard[?option=value[&option=value...]]

Options: phases, contract, producer, seed, speed, start, offpeak, pref,
scenario (comma-separated names) and each scenario's own options. Every
mistake raises ValueError with one line naming the option.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from ..tic.framing import Mode
from .config import CONTRACTS, SimulatorConfig
from .scenarios import OPTION_SCENARIO, parse_scenarios
from .timespec import parse_datetime

SCHEME = "simulated"
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def is_simulated_url(text: str) -> bool:
    return text.strip().lower().startswith(SCHEME + "://")


def parse_url(url: str) -> SimulatorConfig:
    """Parse and validate a ``simulated://`` URL. Raises ValueError (one line)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != SCHEME:
        raise ValueError(f"url: expected simulated://historique or simulated://standard, got {url!r}")
    mode_text = (parts.netloc + parts.path).strip("/").lower() or "standard"
    try:
        mode = Mode(mode_text)
    except ValueError:
        raise ValueError(f"mode: {mode_text!r} is not historique or standard") from None
    pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False)
    return config_from_options(mode, pairs)


def config_from_options(mode: Mode, pairs: list[tuple[str, str]]) -> SimulatorConfig:
    seen: set[str] = set()
    kwargs: dict[str, object] = {"mode": mode}
    scenario_names: list[str] = []
    scenario_options: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            raise ValueError(f"{name}: given more than once")
        seen.add(name)
        if name == "scenario":
            scenario_names = [item.strip() for item in value.split(",") if item.strip()]
            if not scenario_names:
                raise ValueError("scenario: give at least one scenario name")
        elif name in OPTION_SCENARIO:
            scenario_options[name] = value
        elif name in _PARSERS:
            field, parser = _PARSERS[name]
            try:
                kwargs[field] = parser(value)
            except ValueError as error:
                raise ValueError(f"{name}: bad value {value!r}: {error}") from None
        else:
            raise ValueError(f"{name}: unknown option")
    kwargs["scenarios"] = parse_scenarios(scenario_names, scenario_options)
    return SimulatorConfig(**kwargs)


def _choice(*choices: str):
    def parse(text: str) -> str:
        if text.lower() not in choices:
            raise ValueError("must be " + " or ".join(choices))
        return text.lower()

    return parse


def _phases(text: str) -> int:
    return int(_choice("1", "3")(text))


def _producer(text: str) -> bool:
    return _choice("0", "1")(text) == "1"


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**63:
        raise ValueError("must be a non-negative integer")
    return value


def _speed(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1e7:
        raise ValueError("must be a number above 0 (simulated seconds per real second)")
    return value


def _pref(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 36:
        raise ValueError("must be a reference power between 1 and 36 kVA")
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


_PARSERS = {
    "phases": ("phases", _phases),
    "contract": ("contract", _choice(*CONTRACTS)),
    "producer": ("producer", _producer),
    "seed": ("seed", _seed),
    "speed": ("speed", _speed),
    "start": ("start", parse_datetime),
    "offpeak": ("offpeak", _offpeak),
    "pref": ("pref_kva", _pref),
}
