"""report/ledger.py and report/gaps.py: energy per slot from register readings, data gaps and the
energy across them, a replaced meter."""

from __future__ import annotations

from datetime import date

import pytest

from linky_exporter.report.gaps import Gap, find_gaps, scrape_interval, suspicious_windows, threshold
from linky_exporter.report.ledger import MEASURED, MISSING, SPREAD, SeriesReadings, build_ledger
from linky_exporter.report.localtime import midnight

T0 = midnight(date(2025, 3, 1))
EDGES = [T0 + 1800 * n for n in range(7)]  # 00:00 .. 03:00


def test_each_slot_is_the_difference_of_its_edges_registers():
    hc = SeriesReadings(1, {t: 1000 + 10 * n for n, t in enumerate(EDGES)})
    hp = SeriesReadings(2, {t: 5000.0 for t in EDGES})
    exported = SeriesReadings(0, {t: 7 * n for n, t in enumerate(EDGES)})
    slots = build_ledger(EDGES, [hc, hp], [exported], [])
    assert [s.state for s in slots] == [MEASURED] * 6
    assert [s.wh for s in slots] == [{1: 10}] * 6 and [s.export_wh for s in slots] == [7] * 6


def test_a_gap_spreads_its_energy_over_its_slots_and_the_edges_show_what_is_missing():
    values = {t: 100.0 * n for n, t in enumerate(EDGES)}
    del values[EDGES[0]]  # no reading at the first edge: data starts later
    gap = Gap(EDGES[2] - 60, EDGES[4] + 60, 240.0)  # the edges at 01:00 and 02:00 fall in it
    slots = build_ledger(EDGES, [SeriesReadings(1, values)], [], [gap])
    assert [s.state for s in slots] == [MISSING, SPREAD, SPREAD, SPREAD, SPREAD, MEASURED]
    # from the edge before the gap (00:30) to the one after it (02:30): 400 Wh, a quarter per slot
    assert [s.wh for s in slots[1:5]] == [{1: pytest.approx(100.0)}] * 4
    assert slots[5].wh == {1: 100.0} and slots[0].wh == {}


def test_a_replaced_meter_counts_each_meters_own_energy_and_no_jump():
    # the old meter (serial A) ends after 01:00; the new one (serial B, a lower index) starts before 01:30
    old = SeriesReadings(1, {EDGES[0]: 9000.0, EDGES[1]: 9010.0, EDGES[2]: 9020.0}, last=(EDGES[3], 9025.0))
    new = SeriesReadings(1, {EDGES[3]: 40.0, EDGES[4]: 60.0, EDGES[5]: 80.0, EDGES[6]: 100.0}, first=(EDGES[3], 35.0))
    slots = build_ledger(EDGES, [old, new], [], [])
    assert [s.wh.get(1, 0) for s in slots] == [10, 10, 5 + 5, 20, 20, 20]


def test_a_register_that_went_back_counts_nothing():
    slots = build_ledger(EDGES[:3], [SeriesReadings(1, {EDGES[0]: 50.0, EDGES[1]: 40.0, EDGES[2]: 45.0})], [], [])
    assert [s.wh for s in slots] == [{}, {1: 5.0}]


def test_the_scrape_interval_and_where_to_look_for_gaps():
    ends = [T0 + 1800 * n for n in range(1, 9)]
    counts = dict.fromkeys(ends, 120)
    counts[ends[3]] = 100  # a few minutes missing
    counts[ends[5]] = 0  # a whole half-hour missing
    counts[ends[6]] = 119  # jitter
    assert scrape_interval(counts) == 15 and threshold(15) == 300 and threshold(1800) == 5400
    assert suspicious_windows(ends, counts) == [(ends[3] - 3600, ends[3] + 1800), (ends[5] - 3600, ends[5] + 1800)]


def test_gaps_from_samples_and_the_energy_across_them():
    samples = {"A": [(T0 + 15 * n, 1000 + n) for n in range(20)] + [(T0 + 15 * 19 + 900, 1100)]}
    assert find_gaps(samples, 300) == [Gap(T0 + 285, T0 + 1185, 81.0)]
    assert find_gaps(samples, 1000) == []
    # the meter changed during the gap: the energy is unknown
    swapped = {"A": [(T0, 10.0)], "B": [(T0 + 1000, 5.0)]}
    assert find_gaps(swapped, 300) == [Gap(T0, T0 + 1000, None)]
