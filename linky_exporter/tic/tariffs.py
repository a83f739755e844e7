"""Tariff facts of historique mode, mapped onto standard mode's supplier indexes.

Historique sends one index label per tariff period; standard sends EASF01-10
and names the current one in LTARF. We number historique's indexes the way EDF
numbers them in standard mode (docs/protocol.md §6), so that one metric model, one
set of rules and one dashboard serve both modes.
"""

from __future__ import annotations

from typing import NamedTuple

from .stge import TempoColor


class TariffIndex(NamedTuple):
    number: int  # supplier index, 1-based
    name: str


# OPTARIF (first 3 characters are enough: Tempo sends "BBR" + any character)
# -> (option name, {index label: TariffIndex}).
HISTORIQUE_OPTIONS: dict[str, tuple[str, dict[str, TariffIndex]]] = {
    "BAS": ("BASE", {"BASE": TariffIndex(1, "BASE")}),
    "HC.": (
        "HC",
        {"HCHC": TariffIndex(1, "HEURES CREUSES"), "HCHP": TariffIndex(2, "HEURES PLEINES")},
    ),
    "EJP": (
        "EJP",
        {"EJPHN": TariffIndex(1, "HEURES NORMALES"), "EJPHPM": TariffIndex(2, "POINTE MOBILE")},
    ),
    "BBR": (
        "TEMPO",
        {
            "BBRHCJB": TariffIndex(1, "HC BLEU"),
            "BBRHPJB": TariffIndex(2, "HP BLEU"),
            "BBRHCJW": TariffIndex(3, "HC BLANC"),
            "BBRHPJW": TariffIndex(4, "HP BLANC"),
            "BBRHCJR": TariffIndex(5, "HC ROUGE"),
            "BBRHPJR": TariffIndex(6, "HP ROUGE"),
        },
    ),
}

#: Every historique index label, whatever the option (a frame can lack OPTARIF).
HISTORIQUE_INDEXES: dict[str, TariffIndex] = {
    label: index for _, indexes in HISTORIQUE_OPTIONS.values() for label, index in indexes.items()
}

# PTEC -> current supplier index, with the same numbering.
PTEC_INDEX = {
    "TH..": 1,
    "HC..": 1,
    "HP..": 2,
    "HN..": 1,
    "PM..": 2,
    "HCJB": 1,
    "HPJB": 2,
    "HCJW": 3,
    "HPJW": 4,
    "HCJR": 5,
    "HPJR": 6,
}

PTEC_TEMPO_TODAY = {
    "HCJB": TempoColor.BLUE,
    "HPJB": TempoColor.BLUE,
    "HCJW": TempoColor.WHITE,
    "HPJW": TempoColor.WHITE,
    "HCJR": TempoColor.RED,
    "HPJR": TempoColor.RED,
}

DEMAIN_TEMPO = {
    "----": TempoColor.UNKNOWN,
    "BLEU": TempoColor.BLUE,
    "BLAN": TempoColor.WHITE,
    "ROUG": TempoColor.RED,
}


def tidy_text(value: str) -> str:
    """Meter text for display: outer spaces dropped, inner runs of spaces folded."""
    return " ".join(value.split())
