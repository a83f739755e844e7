"""STGE, the standard-mode status register (docs/protocol.md §7), and RELAIS."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class BreakerState(StrEnum):
    """The breaker (organe de coupure), STGE bits 1-3. Values are metric label values."""

    CLOSED = "closed"
    OPEN_OVERPOWER = "open_overpower"
    OPEN_OVERVOLTAGE = "open_overvoltage"
    OPEN_LOAD_SHEDDING = "open_load_shedding"
    OPEN_REMOTE_ORDER = "open_remote_order"  # CPL or Euridis order
    OPEN_OVERHEATING_OVER_IMAX = "open_overheating_over_imax"
    OPEN_OVERHEATING_UNDER_IMAX = "open_overheating_under_imax"
    UNKNOWN = "unknown"  # code 7: not defined by the specification


_BREAKER_BY_CODE = list(BreakerState)


class TempoColor(StrEnum):
    """A Tempo day colour; the values are the stateset's states."""

    UNKNOWN = "unknown"  # not announced yet, or no Tempo contract
    BLUE = "blue"
    WHITE = "white"
    RED = "red"


_TEMPO_BY_CODE = [TempoColor.UNKNOWN, TempoColor.BLUE, TempoColor.WHITE, TempoColor.RED]


class EuridisOutput(IntEnum):
    DISABLED = 0
    ENABLED_WITHOUT_SECURITY = 1
    RESERVED = 2
    ENABLED_WITH_SECURITY = 3


class CplStatus(IntEnum):
    NEW_UNLOCKED = 0
    NEW_LOCKED = 1
    REGISTERED = 2
    RESERVED = 3


@dataclass(frozen=True, slots=True)
class StatusRegister:
    """Every field of STGE, named. Indexes are 1-based, as the meter shows them."""

    dry_contact_open: bool
    breaker: BreakerState
    terminal_cover_open: bool
    overvoltage: bool
    reference_power_exceeded: bool
    producer: bool
    energy_negative: bool  # active energy flowing out (injection)
    supplier_index: int  # 1..10
    distributor_index: int  # 1..4
    clock_degraded: bool
    euridis_output: EuridisOutput
    cpl_status: CplStatus
    cpl_synchronised: bool
    tempo_today: TempoColor
    tempo_tomorrow: TempoColor
    mobile_peak_notice: int  # 0: none; 1-3: notice of mobile peak 1-3
    mobile_peak_active: int  # 0: none; 1-3: mobile peak 1-3 in progress


def decode_stge(value: str) -> StatusRegister:
    """Decode the 8 hex digits of STGE (most significant first; bit 0 is the lowest).

    Raises ValueError when ``value`` is not 8 hex digits or the supplier index
    field is out of its 0-9 range.
    """
    if len(value) != 8:
        raise ValueError(f"STGE must be 8 hex digits, got {value!r}")
    bits = int(value, 16)
    supplier = (bits >> 10) & 0xF
    if supplier > 9:
        raise ValueError(f"STGE supplier index field {supplier} is out of range 0-9")
    return StatusRegister(
        dry_contact_open=bool(bits & 1),
        breaker=_BREAKER_BY_CODE[(bits >> 1) & 0x7],
        terminal_cover_open=bool(bits >> 4 & 1),
        overvoltage=bool(bits >> 6 & 1),
        reference_power_exceeded=bool(bits >> 7 & 1),
        producer=bool(bits >> 8 & 1),
        energy_negative=bool(bits >> 9 & 1),
        supplier_index=supplier + 1,
        distributor_index=((bits >> 14) & 0x3) + 1,
        clock_degraded=bool(bits >> 16 & 1),
        euridis_output=EuridisOutput((bits >> 19) & 0x3),
        cpl_status=CplStatus((bits >> 21) & 0x3),
        cpl_synchronised=bool(bits >> 23 & 1),
        tempo_today=_TEMPO_BY_CODE[(bits >> 24) & 0x3],
        tempo_tomorrow=_TEMPO_BY_CODE[(bits >> 26) & 0x3],
        mobile_peak_notice=(bits >> 28) & 0x3,
        mobile_peak_active=(bits >> 30) & 0x3,
    )


def decode_relais(value: str) -> dict[int, bool]:
    """RELAIS: a decimal bitmask, relay n is bit n-1, 1 = closed. ``140`` ⇒ 3, 4, 8 closed.

    Returns {relay number: closed} for relays 1-8. Raises ValueError above 255.
    """
    mask = int(value)
    if not 0 <= mask <= 0xFF:
        raise ValueError(f"RELAIS {value!r} is not an 8-relay bitmask")
    return {relay: bool(mask >> (relay - 1) & 1) for relay in range(1, 9)}
