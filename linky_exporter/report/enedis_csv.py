"""``--format csv``: the consumption at 30-minute resolution in the layout of the load curve
("courbe de charge") Enedis lets customers download, which comparison tools read::

    Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes
    022561991234;Courbe de charge;01/03/2025;01/05/2025;Energie active;Consommation;Comptage Brut;W;30
    Horodate;Valeur
    2025-03-01T00:30:00+01:00;412
    ...

Each value is the mean active power in W over the 30 minutes that END at its horodate
(local time with its offset), i.e. twice the Wh drawn: exact, since registers count
whole Wh. A half-hour without data (or inside a data gap) has an empty value, as in
Enedis' own files. The store does not hold the PRM (the delivery point's number): the
first column carries the meter's serial instead.
"""

from __future__ import annotations

import io
from collections import defaultdict

from .build import MeterReport
from .ledger import MEASURED
from .localtime import HALF_HOUR_S, isoformat, local

HEADER = ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;"
          "Etape metier;Unite;Pas en minutes")


def render(report: MeterReport) -> str:
    wh: dict[int, float] = defaultdict(float)
    measured: dict[int, bool] = defaultdict(lambda: True)
    for slot in report.slots:
        end = slot.start - slot.start % HALF_HOUR_S + HALF_HOUR_S  # the half-hour the slot belongs to
        wh[end] += slot.total_wh
        measured[end] = measured[end] and slot.state == MEASURED
    out = io.StringIO()
    out.write(HEADER + "\n")
    first = local(report.start).strftime("%d/%m/%Y")
    last = local(report.end).strftime("%d/%m/%Y")
    serial = report.serials[-1] if report.serials else report.meter
    out.write(f"{serial};Courbe de charge;{first};{last};Energie active;Consommation;Comptage Brut;W;30\n")
    out.write("Horodate;Valeur\n")
    for end in sorted(wh):
        value = f"{round(wh[end] * 3600 / HALF_HOUR_S)}" if measured[end] else ""
        out.write(f"{isoformat(end)};{value}\n")
    return out.getvalue()
