"""A frame's accepted groups, read as numbers, text and dates that reject (not raise) a bad value.

Shared by the two modes' readers (historique.py, standard.py), which fill a
:class:`~.reading.Reading` from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .address import parse_address
from .framing import Group
from .horodate import Horodate, parse_horodate

if TYPE_CHECKING:
    from .reading import Reading

# Keys of the Reading's dicts by direction and by day.
IMPORT = "import"
EXPORT = "export"
TODAY = "today"
YESTERDAY = "yesterday"


class GroupValues:
    """Accepted groups, with conversions that reject (not raise) on a bad value."""

    def __init__(self, groups: dict[str, Group], rejected: list[str]):
        self.groups = groups
        self.rejected = rejected

    def __contains__(self, label: str) -> bool:
        return label in self.groups

    def text(self, label: str) -> str | None:
        group = self.groups.get(label)
        return None if group is None else group.value

    def int(self, label: str, low: int = 0, high: int | None = None) -> int | None:
        group = self.groups.get(label)
        if group is None:
            return None
        number = int(group.value)  # the label table guarantees digits
        if number < low or (high is not None and number > high):
            self.reject(label)
            return None
        return number

    def horodate(self, label: str) -> Horodate | None:
        group = self.groups.get(label)
        return None if group is None or group.horodate is None else parse_horodate(group.horodate)

    def convert(self, label: str, function):
        group = self.groups.get(label)
        if group is None:
            return None
        try:
            return function(group.value)
        except ValueError:
            self.reject(label)
            return None

    def reject(self, label: str) -> None:
        del self.groups[label]
        self.rejected.append(label)


def read_address(values: GroupValues, label: str, reading: Reading) -> None:
    address = values.convert(label, parse_address)
    if address is not None:
        reading.serial = values.text(label)
        reading.address = address
