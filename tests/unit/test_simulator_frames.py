"""Every layout × contract: simulated frames decode 100 % and look like real ones."""

from __future__ import annotations

import re

import pytest

from linky_exporter.simulator import generate
from linky_exporter.tic.framing import Mode
from linky_exporter.tic.labels import LABELS

from ..support.captures import fixture_path, require_shared
from ..support.simulated import decode, emissions, labels, transmitter

LAYOUTS = [
    (mode, phases, contract, producer)
    for mode in ("historique", "standard")
    for phases in (1, 3)
    for contract in ("base", "hc", "ejp", "tempo")
    for producer in ((0,) if mode == "historique" else (0, 1))
]


@pytest.mark.slow
@pytest.mark.parametrize("mode,phases,contract,producer", LAYOUTS)
def test_every_frame_decodes_cleanly_over_a_winter_day(mode, phases, contract, producer):
    # 60 frames, 30 simulated minutes apart from 05:00 to 11:00 the next day: every tariff
    # period, the EJP notice and peak, the Tempo announcement, midnight.
    speed = 1800 / (2.3 if mode == "historique" else 1.2)
    url = (
        f"simulated://{mode}?phases={phases}&contract={contract}&producer={producer}"
        f"&start=2024-01-15T05:00:00&speed={speed:.0f}&seed=7"
    )
    if contract == "ejp":
        url += "&scenario=ejp_notice"  # the drawn calendar may have no EJP day on this day
    if contract == "tempo":
        url += "&scenario=tempo_red"  # and no red day
    seen = emissions(transmitter(url), 60)
    assert len(seen) == 60
    table = LABELS[Mode(mode)]
    ptecs, ltarfs = set(), set()
    for emission, frame, reading in seen:
        assert frame.mode is Mode(mode)
        for label, group in frame.groups.items():
            assert table[label].accepts(group), (label, group)
        if reading.short_frame:
            assert phases == 3 and mode == "historique"
            continue
        if mode == "historique":
            ptecs.add(frame.groups["PTEC"].value)
            total = sum(reading.supplier_energy_wh.values())
            assert reading.energy_imported_wh == total
            assert reading.phases == phases
        else:
            ltarfs.add(reading.supplier_index_names[reading.current_supplier_index])
            assert reading.energy_imported_wh == sum(reading.supplier_energy_wh.values())
            assert int(frame.groups["STGE"].value, 16) >> 17 & 1 and reading.status.producer is bool(producer)  # bit 17: standard
            assert reading.phases == phases
            assert (reading.energy_exported_wh is not None) is bool(producer)
        assert reading.address.phases == phases
    expected_periods = {"base": 1, "hc": 2, "ejp": 2, "tempo": 2}[contract]
    assert len(ptecs or ltarfs) >= expected_periods


def test_historique_single_phase_tempo_has_the_real_meters_group_order():
    real = labels(fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes())
    simulated = labels(generate("simulated://historique?contract=tempo&start=2024-01-08T21:00", 1))
    assert simulated == real


def test_historique_single_phase_hc_has_the_real_meters_group_order():
    real = labels(fixture_path("hist_mono_hc__pyteleinfo_conftest_VALID_FRAME.tic").read_bytes())
    simulated = labels(generate("simulated://historique?contract=hc&start=2024-01-08T12:00", 1))
    assert simulated == real


def test_historique_three_phase_has_the_real_meters_group_order():
    raw = (require_shared() / "hist_tri_base_linky__ticmeter_HISTORIQUE_Triphase.tic").read_bytes()
    real = labels(raw)
    # That capture's last group lost its first two letters ("OT 00" for "PPOT 00").
    assert real[-1] == "OT"
    real[-1] = "PPOT"
    simulated = labels(generate("simulated://historique?phases=3&contract=base&start=2024-01-08T12:00", 1))
    assert simulated == real


OPTIONAL_STANDARD = {"DPM1", "FPM1", "DPM2", "FPM2", "DPM3", "FPM3", "MSG2", "PPOINTE"}


@pytest.mark.parametrize(
    "capture,url",
    [
        ("std_mono_tempo_linky__ticmeter_STANDARD_MONO2.tic", "standard?contract=tempo"),
        ("std_mono_hc__goteleinfo_reader_test.tic", "standard?contract=hc"),
        ("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic",
         "standard?contract=tempo&phases=3&producer=1"),
    ],
)  # fmt: skip
def test_standard_frames_have_the_real_meters_group_order(capture, url):
    path = fixture_path(capture)
    raw = path.read_bytes() if path.exists() else (require_shared() / capture).read_bytes()
    real = [label for label in labels(raw) if label not in OPTIONAL_STANDARD]
    simulated = labels(generate(f"simulated://{url}&start=2024-01-08T12:00", 1))
    assert [label for label in simulated if label not in OPTIONAL_STANDARD] == real


def test_widths_are_those_of_the_label_table():
    data = generate("simulated://standard?phases=3&producer=1&contract=tempo&start=2024-01-08T21:00", 1)
    frames, _ = decode(data)
    for label, group in frames[0].groups.items():
        # Every data field matches its exact-width pattern (the text fields are padded to 16/32).
        assert re.fullmatch(LABELS[Mode.STANDARD][label].pattern, group.value)
    assert len(frames[0].groups["NGTF"].value) == len(frames[0].groups["LTARF"].value) == 16
    assert len(frames[0].groups["MSG1"].value) == 32


def test_frame_sizes_are_those_of_real_meters():
    # docs/protocol.md §2: historique mono 150-275 bytes, standard mono 860-1030, tri producer ~1440.
    assert 150 <= len(generate("simulated://historique?contract=base", 1)) <= 275
    assert 150 <= len(generate("simulated://historique?contract=tempo", 1)) <= 275
    assert 860 <= len(generate("simulated://standard?contract=hc", 1)) <= 1030
    assert 1400 <= len(generate("simulated://standard?phases=3&producer=1", 1)) <= 1500


@pytest.mark.parametrize(("phases", "pref_kva"), [(1, 9), (3, 12), (3, 36)])
def test_both_modes_say_the_same_subscribed_power(phases, pref_kva):
    # Standard mode sends PREF in kVA; historique the current of each phase (ISOUSC).
    said = {}
    for mode in ("historique", "standard"):
        readings = [r for _, _, r in emissions(transmitter(f"simulated://{mode}?phases={phases}&pref={pref_kva}"), 3)]
        said[mode] = {r.reference_power_va for r in readings if not r.short_frame}
    assert said == {"historique": {pref_kva * 1000}, "standard": {pref_kva * 1000}}
