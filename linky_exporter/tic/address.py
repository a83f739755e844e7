"""The meter address (ADCO / ADSC): manufacturer, year, device type, serial (§8)."""

from __future__ import annotations

from typing import NamedTuple

# Only the codes docs/protocol.md §8 names (EURIDIS list); others keep their code alone.
MANUFACTURERS = {
    "02": "Sagem / Sagemcom",
    "03": "Itron / Actaris",
    "04": "Landis+Gyr",
}

SINGLE_PHASE_TYPES = frozenset({"61", "62", "64", "70", "75"})
THREE_PHASE_TYPES = frozenset({"63", "71", "76"})


class MeterAddress(NamedTuple):
    manufacturer_code: str
    manufacturer: str  # "" when the code is not in our list
    year: int
    device_type: str
    phases: int | None  # 1 or 3 for Linky device types, None for others
    serial_number: str


def parse_address(address: str) -> MeterAddress:
    """Split a 12-digit meter address. Raises ValueError if it is not 12 digits."""
    if len(address) != 12 or not address.isdigit() or not address.isascii():
        raise ValueError(f"a meter address is 12 digits, got {address!r}")
    manufacturer, year, device_type = address[0:2], address[2:4], address[4:6]
    if device_type in SINGLE_PHASE_TYPES:
        phases: int | None = 1
    elif device_type in THREE_PHASE_TYPES:
        phases = 3
    else:
        phases = None
    return MeterAddress(
        manufacturer, MANUFACTURERS.get(manufacturer, ""), 2000 + int(year), device_type, phases, address[6:]
    )
