"""Historique mode: a frame's accepted groups into a :class:`~.reading.Reading` (docs/protocol.md §5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .group_values import IMPORT, YESTERDAY, GroupValues, read_address
from .tariffs import DEMAIN_TEMPO, HISTORIQUE_INDEXES, HISTORIQUE_OPTIONS, PTEC_INDEX, PTEC_TEMPO_TODAY

if TYPE_CHECKING:
    from .reading import Reading

# Historique three-phase short frames carry only these (§6.1.2).
_SHORT_FRAME_LABELS = frozenset({"ADIR1", "ADIR2", "ADIR3", "ADCO", "IINST1", "IINST2", "IINST3"})


def read_historique(values: GroupValues, reading: Reading) -> None:
    read_address(values, "ADCO", reading)
    reading.short_frame = bool(values.groups) and set(values.groups) <= _SHORT_FRAME_LABELS and (
        "ADIR1" in values or "ADIR2" in values or "ADIR3" in values
    )
    _energy(values, reading)
    _tariff(values, reading)
    _power_and_currents(values, reading)
    _subscribed_power(values, reading)
    if reading.short_frame:
        reading.phases = 3
        # A burst goes on for a minute after the over-current, with ADIRn 000.
        reading.reference_power_exceeded = any(reading.overcurrent_warning_a.values())
    elif reading.phases is not None:
        # Historique warnings are sent only while they last: absent means none.
        reading.reference_power_exceeded = bool(reading.overcurrent_warning_a)


def _energy(values: GroupValues, reading: Reading) -> None:
    option = values.text("OPTARIF")
    option_indexes: dict = {}
    if option is not None:
        reading.tariff_option, option_indexes = HISTORIQUE_OPTIONS[option[:3]]
        reading.supplier_index_names = {index.number: index.name for index in option_indexes.values()}
    for label, index in HISTORIQUE_INDEXES.items():
        wh = values.int(label)
        if wh is not None:
            reading.supplier_energy_wh[index.number] = wh
            reading.supplier_index_names.setdefault(index.number, index.name)
    # The total is the sum of the option's indexes, only when the frame carries
    # them all: one dropped group would make it a value the meter never had.
    if option_indexes and all(label in values for label in option_indexes):
        reading.energy_imported_wh = sum(values.int(label) or 0 for label in option_indexes)


def _tariff(values: GroupValues, reading: Reading) -> None:
    ptec = values.text("PTEC")
    if ptec is not None:
        reading.current_supplier_index = PTEC_INDEX[ptec]
        reading.tempo_today = PTEC_TEMPO_TODAY.get(ptec)
        reading.mobile_peak_active = 1 if ptec == "PM.." else 0
    demain = values.text("DEMAIN")
    if demain is not None:
        reading.tempo_tomorrow = DEMAIN_TEMPO[demain]
    if reading.tariff_option == "EJP" or "PEJP" in values:
        # PEJP is sent only during the 30-minute notice before a mobile peak.
        reading.mobile_peak_notice = 1 if "PEJP" in values else 0


def _subscribed_power(values: GroupValues, reading: Reading) -> None:
    """ISOUSC is the subscribed current of each phase, counted at 200 V a phase: a 12 kVA
    three-phase contract is ISOUSC 20. Without the phase count (no IINST in this frame,
    an address of no known type) the power is not said rather than guessed."""
    subscribed = values.int("ISOUSC")
    phases = reading.phases or (reading.address.phases if reading.address is not None else None)
    if subscribed is not None and phases is not None:
        reading.reference_power_va = subscribed * 200 * phases


def _power_and_currents(values: GroupValues, reading: Reading) -> None:
    power = values.int("PAPP")
    if power is not None:
        reading.apparent_power_va[IMPORT] = power
    power_max = values.int("PMAX")
    if power_max is not None:
        reading.apparent_power_max_va[(IMPORT, YESTERDAY)] = power_max
    single = values.int("IINST")
    if single is not None:
        reading.current_a[1] = single
        reading.phases = 1
    for phase in (1, 2, 3):
        current = values.int(f"IINST{phase}")
        if current is not None:
            reading.current_a[phase] = current
            reading.phases = 3
        imax = values.int(f"IMAX{phase}")
        if imax is not None:
            reading.max_current_a[phase] = imax
        warning = values.int(f"ADIR{phase}")
        if warning is not None:
            reading.overcurrent_warning_a[phase] = warning
    imax = values.int("IMAX")
    if imax is not None:
        reading.max_current_a[1] = imax
    adps = values.int("ADPS")
    if adps is not None:
        reading.overcurrent_warning_a[1] = adps
