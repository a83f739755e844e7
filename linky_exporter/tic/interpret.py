"""A frame's groups interpreted into a :class:`~.reading.Reading`.

``read_frame`` checks each group against the label table, then interprets the
mode's labels into the same fields (historique.py, standard.py); a value the
table refuses is listed in ``Reading.rejected``, never raised.
"""

from __future__ import annotations

from .frame import Frame, Group, Mode
from .group_values import GroupValues
from .historique import read_historique
from .horodate import parse_horodate
from .labels import LABELS
from .reading import Reading
from .standard import read_standard


def read_frame(frame: Frame) -> Reading:
    """Interpret a frame's valid groups. Values that fail the label table or
    cannot be interpreted are listed in ``Reading.rejected`` and left out."""
    if frame.mode is None:
        raise ValueError("a frame without valid groups has no reading")
    table = LABELS[frame.mode]
    reading = Reading(frame.mode)
    known: dict[str, Group] = {}
    for label, group in frame.groups.items():
        spec = table.get(label)
        if spec is None:
            reading.unknown[label] = group.value
        elif spec.accepts(group) and (group.horodate is None or _possible_horodate(group.horodate)):
            known[label] = group
        else:
            reading.rejected.append(label)
    values = GroupValues(known, reading.rejected)
    if frame.mode is Mode.HISTORIQUE:
        read_historique(values, reading)
    else:
        read_standard(values, reading)
    return reading


def _possible_horodate(raw: str) -> bool:
    try:
        parse_horodate(raw)
    except ValueError:  # a date that cannot exist (month 13, ...)
        return False
    return True
