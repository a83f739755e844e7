"""``simulated://MODE?options`` → :class:`SimulatorConfig`.

Grammar (docs/simulator.md has the full table)::

    simulated://historique|standard[?option=value[&option=value...]]

Options: phases, contract, producer, seed, speed, start, offpeak, pref,
scenario (comma-separated names) and each scenario's own options, all
declared in :mod:`.options`. Every mistake raises ValueError with one line
naming the option.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ..tic.framing import Mode
from .config import SimulatorConfig
from .options import OPTIONS
from .scenarios import parse_scenarios

SCHEME = "simulated"


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
    """The configuration that URL options (name, text) give, each read by its :class:`.options.Option`."""
    seen: set[str] = set()
    fields: dict[str, object] = {"mode": mode}
    scenario_names: list[str] = []
    scenario_options: dict[str, str] = {}
    for name, value in pairs:
        if name in seen:
            raise ValueError(f"{name}: given more than once")
        seen.add(name)
        option = OPTIONS.get(name)
        if name == "scenario":
            scenario_names = [item.strip() for item in value.split(",") if item.strip()]
            if not scenario_names:
                raise ValueError("scenario: give at least one scenario name")
        elif option is None:
            raise ValueError(f"{name}: unknown option")
        elif option.scenario is None:
            fields[option.field or option.name] = option.parse(value)
        else:
            scenario_options[name] = value  # read once its scenario is known to be on
    fields["scenarios"] = parse_scenarios(scenario_names, scenario_options)
    return SimulatorConfig(**fields)  # type: ignore[arg-type]
