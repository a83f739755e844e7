"""Tempo day colours and EJP days: from a file the user gives, or as the meter and RTE told them.

A Tempo day runs from 06:00 to 06:00 the next morning and is named by the date it
starts on. A day absent from every source has no colour: the report says so and never
guesses one.

Calendar files are text, one day per line, ``#`` comments and one header line allowed:

    2025-01-14;RED          (Tempo: a date, then BLUE/WHITE/RED or BLEU/BLANC/ROUGE;
    14/01/2025 rouge         separated by ; , a tab or spaces)
    2025-01-14              (EJP: the mobile-peak days, one date a line)

A Tempo file may also be an answer of RTE's Tempo service saved as is
(``{"values": {"2025-01-14": "RED", ...}}``, see ``rte.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

MAX_FILE_BYTES = 1 << 20


class Colour(StrEnum):
    BLUE = "blue"
    WHITE = "white"
    RED = "red"


COLOUR_NAMES = {
    "blue": Colour.BLUE, "bleu": Colour.BLUE,
    "white": Colour.WHITE, "blanc": Colour.WHITE,
    "red": Colour.RED, "rouge": Colour.RED,
}  # fmt: skip


class CalendarError(ValueError):
    """A calendar file that cannot be used, with a one-line message naming the file and line."""


@dataclass(frozen=True)
class TempoCalendar:
    colours: Mapping[date, Colour] = field(default_factory=dict)
    origins: Mapping[date, str] = field(default_factory=dict)  # where each day's colour came from

    def colour(self, day: date) -> Colour | None:
        return self.colours.get(day)

    def merged(self, other: Mapping[date, Colour], source: str) -> TempoCalendar:
        """This calendar with the days it lacks taken from ``other`` (what it has is kept)."""
        added = {day: colour for day, colour in other.items() if day not in self.colours}
        if not added:
            return self
        return TempoCalendar({**self.colours, **added}, {**self.origins, **dict.fromkeys(added, source)})

    def sources(self, days: Iterable[date]) -> dict[str, int]:
        """How many of ``days`` each source coloured."""
        counts: dict[str, int] = {}
        for day in days:
            if day in self.origins:
                counts[self.origins[day]] = counts.get(self.origins[day], 0) + 1
        return counts


def parse_date(text: str) -> date:
    text = text.strip()
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def parse_colour(text: str) -> Colour:
    colour = COLOUR_NAMES.get(text.strip().lower())
    if colour is None:
        raise ValueError(f"{text.strip()!r} is not a Tempo colour (BLUE, WHITE, RED or BLEU, BLANC, ROUGE)")
    return colour


def read_tempo_file(path: Path) -> dict[date, Colour]:
    text = _read(path)
    if text.lstrip().startswith("{"):
        try:
            return rte_values(json.loads(text))
        except ValueError as error:
            raise CalendarError(f"{path}: {error}") from None
    colours: dict[date, Colour] = {}
    for number, fields in _lines(path, text):
        if len(fields) != 2:
            raise CalendarError(f"{path} line {number}: expected a date and a colour, e.g. 2025-01-14;RED")
        try:
            day, colour = parse_date(fields[0]), parse_colour(fields[1])
        except ValueError as error:
            raise CalendarError(f"{path} line {number}: {error}") from None
        if colours.get(day, colour) != colour:
            raise CalendarError(f"{path} line {number}: {day} is given two colours")
        colours[day] = colour
    return colours


def read_ejp_file(path: Path) -> set[date]:
    days = set()
    for number, fields in _lines(path, _read(path)):
        if len(fields) != 1:
            raise CalendarError(f"{path} line {number}: expected one date a line, e.g. 2025-01-14")
        try:
            days.add(parse_date(fields[0]))
        except ValueError as error:
            raise CalendarError(f"{path} line {number}: {error}") from None
    return days


def rte_values(document: object) -> dict[date, Colour]:
    """The days of an answer of RTE's Tempo service: ``{"values": {"YYYY-MM-DD": "BLUE"|"WHITE"|"RED"}}``.

    A day whose value is anything else (not yet decided) is left out."""
    values = document.get("values") if isinstance(document, dict) else None
    if not isinstance(values, dict):
        raise ValueError('not an answer of RTE\'s Tempo service (no "values" object)')
    out = {}
    for key, value in values.items():
        try:
            day = datetime.strptime(str(key), "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(f"{key!r} is not a date (YYYY-MM-DD)") from None
        colour = COLOUR_NAMES.get(str(value).lower())
        if colour is not None:
            out[day] = colour
    return out


def tempo_seasons(days: Iterable[date]) -> list[str]:
    """The Tempo seasons (``2024-2025``: 1 September to 31 August) holding these days; July and
    August also ask for the next one, in case a service counts seasons from 1 July."""
    seasons = set()
    for day in days:
        first = day.year if day.month >= 9 else day.year - 1
        seasons.add(f"{first}-{first + 1}")
        if day.month in (7, 8):
            seasons.add(f"{day.year}-{day.year + 1}")
    return sorted(seasons)


def _read(path: Path) -> str:
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise CalendarError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise CalendarError(f"{path}: is larger than 1 MiB: a calendar is a few kB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarError(f"{path}: is not UTF-8 text") from None


def _lines(path: Path, text: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, fields) of the lines that hold data: comments, blank lines and a header line
    (a first line that does not start with a digit) are skipped."""
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if first and not line[0].isdigit():
            first = False
            continue
        first = False
        yield number, [f for f in re.split(r"[;,\t ]+", line) if f]
