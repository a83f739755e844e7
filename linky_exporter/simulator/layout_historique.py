"""Historique frames (docs/protocol.md §5), in the order real Linky meters send them:

single-phase: ADCO OPTARIF ISOUSC <indexes> [PEJP] PTEC [DEMAIN] IINST [ADPS]
IMAX PAPP HHPHC MOTDETAT; three-phase: ... PTEC [DEMAIN] IINST1-3 IMAX1-3 PMAX
PAPP HHPHC MOTDETAT PPOT, and during an over-current short frames
ADIR1 ADIR2 ADIR3 ADCO IINST1 IINST2 IINST3.
"""

from __future__ import annotations

from .contracts import DEMAIN
from .frames import Field, number
from .meter import SimulatedMeter


def long_fields(meter: SimulatedMeter) -> list[Field]:
    tariff = meter.tariff
    contract = meter.contract
    sample = meter.sample
    fields = [
        Field("ADCO", meter.address),
        Field("OPTARIF", contract.optarif),
        Field("ISOUSC", number(meter.isousc, 2)),
    ]
    fields += [Field(label, number(meter.supplier_wh(i), 9)) for i, label in enumerate(contract.historique_indexes, 1)]
    if tariff.ejp_notice:
        fields.append(Field("PEJP", "30"))
    fields.append(Field("PTEC", tariff.ptec))
    if contract.name == "TEMPO":
        fields.append(Field("DEMAIN", DEMAIN[tariff.tempo_tomorrow]))
    papp = Field("PAPP", number(round(sample.import_va, -1), 5))  # rounded to 10 VA
    if meter.phases == 1:
        current = round(sample.currents[0])
        fields.append(Field("IINST", number(current, 3)))
        if current > meter.isousc and sample.import_w:
            fields.append(Field("ADPS", number(current, 3)))
        fields += [Field("IMAX", "090"), papp]
    else:
        fields += [Field(f"IINST{p}", number(i, 3)) for p, i in enumerate(sample.currents, 1)]
        fields += [Field(f"IMAX{p}", "060") for p in (1, 2, 3)]
        fields += [Field("PMAX", number(meter.smax_yesterday["import"].va, 5)), papp]
    fields += [Field("HHPHC", "A"), Field("MOTDETAT", "000000")]
    if meter.phases == 3:
        fields.append(Field("PPOT", "00"))  # all three phases present
    return fields


def short_fields(meter: SimulatedMeter) -> list[Field]:
    """A three-phase short frame: the over-current warning of each phase (000 if
    that phase is within its setting), the address, the currents."""
    currents = [round(i) for i in meter.sample.currents]
    warnings = [Field(f"ADIR{p}", number(i if i > meter.isousc else 0, 3)) for p, i in enumerate(currents, 1)]
    return [
        *warnings,
        Field("ADCO", meter.address),
        *(Field(f"IINST{p}", number(i, 3)) for p, i in enumerate(currents, 1)),
    ]
