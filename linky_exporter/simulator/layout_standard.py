"""Standard frames (docs/protocol.md §6), in the order of the specification and the
real captures: identity, energies, currents/voltages, powers and maxima, load
curve, mean voltages, STGE, mobile peaks, message, PRM, relays, tariff numbers,
day profiles. Three-phase adds per-phase groups; producer mode adds EAIT,
ERQ1-4, SINSTI, SMAXIN and CCAIN.
"""

from __future__ import annotations

from datetime import timedelta

from .calendars import BLUE
from .contracts import in_ranges
from .frames import Field, horodate, number
from .measures import Peak
from .meter import EXPORT, IMPORT, SimulatedMeter
from .status import stge

MSG1 = "PAS DE          MESSAGE         "
NONUTILE = "NONUTILE"


def fields(meter: SimulatedMeter) -> list[Field]:
    config = meter.config
    tariff = meter.tariff
    sample = meter.sample
    contract = meter.contract
    phases = range(1, meter.phases + 1)
    tri = meter.phases == 3
    now = meter.now_ms
    out = [
        Field("ADSC", meter.address),
        Field("VTIC", "02"),
        Field("DATE", "", horodate(now)),
        Field("NGTF", contract.ngtf.center(16)),
        Field("LTARF", tariff.ltarf),
        Field("EAST", number(meter.total_wh(), 9)),
    ]
    out += [Field(f"EASF{i:02d}", number(meter.supplier_wh(i), 9)) for i in range(1, 11)]
    out += [Field(f"EASD{i:02d}", number(meter.distributor_wh(i), 9)) for i in range(1, 5)]
    if config.producer:
        out.append(Field("EAIT", number(meter.export_wh(), 9)))
        out += [Field(f"ERQ{q}", number(meter.reactive_varh(q), 9)) for q in range(1, 5)]
    out += [Field(f"IRMS{p}", number(sample.currents[p - 1], 3)) for p in phases]
    out += [Field(f"URMS{p}", number(sample.voltages[p - 1], 3)) for p in phases]
    pref = number(config.reference_kva, 2)
    out += [Field("PREF", pref), Field("PCOUP", pref), Field("SINSTS", number(sample.import_va, 5))]
    if tri:
        out += [Field(f"SINSTS{p}", number(sample.phase_import_va[p - 1], 5)) for p in phases]
    out += _peaks_and_curve(meter)
    out.append(Field("STGE", stge(meter)))
    if tariff.ejp_notice or tariff.ejp_peak:
        out += _mobile_peak(meter)
    out += [
        Field("MSG1", MSG1),
        Field("PRM", meter.prm),
        Field("RELAIS", number(meter.relays(), 3)),
        Field("NTARF", number(tariff.supplier_index, 2)),
        Field("NJOURF", "00"),
        Field("NJOURF+1", "00"),
        Field("PJOURF+1", next_day_profile(meter)),
    ]
    peak_profile = peak_day_profile(meter)
    if peak_profile:
        out.append(Field("PPOINTE", peak_profile))
    return out


def _peak(label: str, peak: Peak) -> Field:
    return Field(label, number(peak.va, 5), horodate(peak.at_ms))


def _peaks_and_curve(meter: SimulatedMeter) -> list[Field]:
    """Daily apparent-power maxima (today, yesterday), load-curve points and mean voltages."""
    config = meter.config
    sample = meter.sample
    phases = range(1, meter.phases + 1)
    tri = meter.phases == 3
    out = [_peak("SMAXSN", meter.smax_today[IMPORT])]
    if tri:
        out += [_peak(f"SMAXSN{p}", meter.smax_today[p]) for p in phases]
    out.append(_peak("SMAXSN-1", meter.smax_yesterday[IMPORT]))
    if tri:
        out += [_peak(f"SMAXSN{p}-1", meter.smax_yesterday[p]) for p in phases]
    if config.producer:
        out += [
            Field("SINSTI", number(sample.export_va, 5)),
            _peak("SMAXIN", meter.smax_today[EXPORT]),
            _peak("SMAXIN-1", meter.smax_yesterday[EXPORT]),
        ]
    directions = (("S", IMPORT), ("I", EXPORT)) if config.producer else (("S", IMPORT),)
    for letter, direction in directions:
        point, previous = meter.curve[direction]
        out += [_peak(f"CCA{letter}N", point), _peak(f"CCA{letter}N-1", previous)]
    out += [Field(f"UMOY{p}", number(meter.umoy[p - 1].va, 3), horodate(meter.umoy[p - 1].at_ms)) for p in phases]
    return out


def _mobile_peak(meter: SimulatedMeter) -> list[Field]:
    """DPM1/FPM1: start and end of the announced or running EJP peak (season letter: a space)."""
    local = meter.sample.local
    day = local.day if local.second >= 3600 else local.day - timedelta(days=1)
    start = f" {day:%y%m%d}070000"
    end = f" {day + timedelta(days=1):%y%m%d}010000"
    return [Field("DPM1", "00", start), Field("FPM1", "00", end)]


def _profile(blocks: list[tuple[int, int]]) -> str:
    """11 blocks ``HHMMSSSS``: start time and action (here 0x4000 + supplier index)."""
    texts = [f"{second // 3600:02d}{second % 3600 // 60:02d}{0x4000 + index:04X}" for second, index in blocks]
    return " ".join((texts + [NONUTILE] * 11)[:11])


def next_day_profile(meter: SimulatedMeter) -> str:
    contract = meter.contract
    tariff = meter.tariff
    if contract.name == "TEMPO":
        # Tomorrow's colour only once announced: before that the profile shows blue.
        colour = tariff.tempo_tomorrow or BLUE
        base = 2 * (colour - 1)
        return _profile([(0, 2 * (tariff.tempo_today - 1) + 1), (6 * 3600, base + 2), (22 * 3600, base + 1)])
    if contract.name == "HC":
        return _profile(_offpeak_blocks(contract.offpeak))
    return _profile([(0, 1)])


def peak_day_profile(meter: SimulatedMeter) -> str | None:
    """PPOINTE, sent only while a peak day is announced: a red Tempo tomorrow, an EJP notice or peak."""
    tariff = meter.tariff
    if meter.contract.name == "TEMPO" and tariff.tempo_tomorrow == 3:
        return _profile([(0, 2 * (tariff.tempo_today - 1) + 1), (6 * 3600, 6), (22 * 3600, 5)])
    if tariff.ejp_notice or tariff.ejp_peak:
        return _profile([(0, 1), (7 * 3600, 2)])
    return None


def _offpeak_blocks(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    edges = sorted({0, *(s for s, _ in ranges), *(e for _, e in ranges)})
    blocks = []
    for edge in edges:
        index = 1 if in_ranges(edge, ranges) else 2
        if not blocks or blocks[-1][1] != index:
            blocks.append((edge, index))
    return blocks
