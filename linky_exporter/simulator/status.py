"""STGE, the standard-mode status register (docs/protocol.md §7), from the meter's state."""

from __future__ import annotations

from .meter import SimulatedMeter

# Bits 17 (standard mode), 19-20 (Euridis enabled with security) and 21 (CPL
# "new/lock"): the constant part of every STGE in the real captures (0x003A....).
_CONSTANT = 0x003A0000


def stge(meter: SimulatedMeter) -> str:
    tariff = meter.tariff
    sample = meter.sample
    bits = _CONSTANT
    bits |= meter.breaker_code() << 1
    bits |= meter.overvoltage() << 6
    bits |= meter.reference_power_exceeded() << 7
    bits |= meter.config.producer << 8
    bits |= (sample.export_w > 0 and sample.import_w == 0) << 9
    bits |= (tariff.supplier_index - 1) << 10
    bits |= (tariff.distributor_index - 1) << 14
    bits |= tariff.tempo_today << 24
    bits |= tariff.tempo_tomorrow << 26
    bits |= tariff.ejp_notice << 28
    bits |= tariff.ejp_peak << 30
    return f"{bits:08X}"
