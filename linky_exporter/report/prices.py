"""The prices of the contracts to compare, from a YAML file the user writes from their offers.

The project ships no price table: regulated prices (TRVE) change once or twice a year
and a wrong figure would make a wrong answer, so the user gives the prices of their
bill or of the offers they consider (docs/report.md shows the layout). Every value is
checked; a bad one is refused with one line that names its key::

    name: EDF Tarif Bleu, grid of 2025-02-01     # optional, printed with the report
    valid_from: 2025-02-01                       # optional: warn for days outside
    valid_until: 2025-07-31
    base:
      subscription_per_month: {6: 15.65, 9: 19.56}     # kVA -> euros incl. taxes
      per_kwh: 0.2016
    hc:
      subscription_per_month: {6: 15.99, 9: 20.21}
      per_kwh: {hc: 0.1635, hp: 0.2081}
    tempo:
      subscription_per_month: {6: 15.50, 9: 19.49}
      per_kwh: {blue_hc: 0.1232, blue_hp: 0.1494, white_hc: 0.1391,
                white_hp: 0.1730, red_hc: 0.1460, red_hp: 0.6468}
    ejp:
      subscription_per_month: {9: 19.56}
      per_kwh: {normal: 0.17, peak: 0.60}

The subscription is given per day, month (x 12 / 365 a day) or year (/ 365 a day), for
each subscribed power in kVA the report may need: the meter's own, and the lower ones
the headroom section considers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .contracts import CLASSES, KINDS
from .localtime import STANDARD_POWERS_KVA

SUBSCRIPTION_KEYS = {"subscription_per_day": 1.0, "subscription_per_month": 12 / 365, "subscription_per_year": 1 / 365}


class PricesError(ValueError):
    """A prices file that cannot be used: one line naming the file and key."""


@dataclass(frozen=True)
class ContractPrices:
    per_kwh: Mapping[str, float]  # price class -> euros per kWh
    subscription_per_day: Mapping[int, float]  # kVA -> euros per day


@dataclass(frozen=True)
class Prices:
    contracts: Mapping[str, ContractPrices]
    name: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    source: str = ""  # the file's path
    tempo_offpeak: str | None = None  # Tempo's off-peak hours, if not 22:00-06:00


def read_prices(path: Path) -> Prices:
    from ..config.yaml_file import ConfigFileError, read_yaml_mapping  # PyYAML only, with its limits

    try:
        document = read_yaml_mapping(path)
    except ConfigFileError as error:
        raise PricesError(f"{path}: {error}") from None
    return parse_prices(document, str(path))


def parse_prices(document: Mapping[str, Any], source: str = "prices") -> Prices:
    def fail(key: str, problem: str) -> PricesError:
        return PricesError(f"{source}: {key}: {problem}")

    known = {"name", "valid_from", "valid_until", *KINDS}
    for key in document:
        if key not in known:
            raise fail(str(key), f"unknown key (expected {', '.join(sorted(known))})")
    contracts = {}
    tempo_offpeak = None
    for kind in KINDS:
        if kind not in document:
            continue
        section = document[kind]
        if not isinstance(section, dict):
            raise fail(kind, "expected a mapping with per_kwh and a subscription")
        allowed = {"per_kwh", *SUBSCRIPTION_KEYS} | ({"offpeak"} if kind == "tempo" else set())
        for key in section:
            if key not in allowed:
                raise fail(f"{kind}.{key}", f"unknown key (expected {', '.join(sorted(allowed))})")
        contracts[kind] = ContractPrices(_per_kwh(kind, section.get("per_kwh"), fail), _subscription(kind, section, fail))
        if kind == "tempo" and "offpeak" in section:
            from .schedules import parse_schedule

            try:
                tempo_offpeak = str(parse_schedule(section["offpeak"]))
            except ValueError as error:
                raise fail("tempo.offpeak", str(error)) from None
    if not contracts:
        raise fail(", ".join(KINDS), "no contract is priced: give at least one of them")
    dates = {}
    for key in ("valid_from", "valid_until"):
        value = document.get(key)
        if value is not None and not isinstance(value, date):
            raise fail(key, f"expected a date such as 2025-02-01, got {value!r}")
        dates[key] = value
    if dates["valid_from"] and dates["valid_until"] and dates["valid_until"] < dates["valid_from"]:
        raise fail("valid_until", "is before valid_from")
    name = document.get("name")
    if name is not None and not isinstance(name, str):
        raise fail("name", f"expected text, got {name!r}")
    return Prices(contracts, name, dates["valid_from"], dates["valid_until"], source, tempo_offpeak)


def _price(value: Any, key: str, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(key, f"expected a price in euros such as 0.1952, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise fail(key, f"expected a finite price in euros, 0 or more, got {value!r}")
    return float(value)


def _per_kwh(kind: str, value: Any, fail) -> dict[str, float]:
    classes = CLASSES[kind]
    key = f"{kind}.per_kwh"
    if value is None:
        raise fail(key, f"missing: give {', '.join(classes)}" if len(classes) > 1 else "missing: give the price of a kWh")
    if len(classes) == 1 and not isinstance(value, dict):
        return {classes[0]: _price(value, key, fail)}
    if not isinstance(value, dict):
        raise fail(key, f"expected a mapping of {', '.join(classes)} to euros per kWh")
    for name in value:
        if name not in classes:
            raise fail(f"{key}.{name}", f"unknown price (expected {', '.join(classes)})")
    missing = [name for name in classes if name not in value]
    if missing:
        raise fail(key, f"missing {', '.join(missing)}")
    return {name: _price(value[name], f"{key}.{name}", fail) for name in classes}


def _subscription(kind: str, section: Mapping[str, Any], fail) -> dict[int, float]:
    given = [key for key in SUBSCRIPTION_KEYS if key in section]
    if len(given) != 1:
        raise fail(kind, "give exactly one of subscription_per_day, subscription_per_month, subscription_per_year"
                   + (f" (not {' and '.join(given)})" if given else ""))
    key = given[0]
    table = section[key]
    if not isinstance(table, dict) or not table:
        raise fail(f"{kind}.{key}", "expected a mapping of subscribed power in kVA to euros, e.g. {6: 15.65, 9: 19.56}")
    out = {}
    for kva, value in table.items():
        if isinstance(kva, bool) or not isinstance(kva, int) or kva not in STANDARD_POWERS_KVA:
            raise fail(f"{kind}.{key}.{kva}", f"not a subscribed power in kVA ({', '.join(map(str, STANDARD_POWERS_KVA))})")
        out[kva] = _price(value, f"{kind}.{key}.{kva}", fail) * SUBSCRIPTION_KEYS[key]
    return out
