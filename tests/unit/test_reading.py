"""Meaning: the label table, STGE, horodates, addresses and the Reading model of both modes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from linky_exporter.tic.address import parse_address
from linky_exporter.tic.framing import Frame, FrameDecoder, FrameResult, Group, Mode
from linky_exporter.tic.horodate import parse_horodate
from linky_exporter.tic.interpret import read_frame
from linky_exporter.tic.labels import HISTORIQUE_LABELS, STANDARD_LABELS
from linky_exporter.tic.stge import BreakerState, CplStatus, EuridisOutput, TempoColor, decode_relais, decode_stge

from ..support.captures import all_capture_paths, fixture_path


def valid_frames(path) -> list[Frame]:
    decoder = FrameDecoder()
    frames = decoder.feed(path.read_bytes()) + decoder.flush()
    return [f for f in frames if f.result is FrameResult.VALID]


def frame_of(mode: Mode, **groups: str | tuple[str, str]) -> Frame:
    frame = Frame(mode=mode, result=FrameResult.VALID)
    for label, value in groups.items():
        label = label.replace("_minus_", "-").replace("_plus_", "+")
        frame.groups[label] = Group(*value) if isinstance(value, tuple) else Group(value)
    return frame


# -- STGE and RELAIS (docs/protocol.md §7 worked examples) -------------------------------


def test_stge_9B3A9000_red_today_white_tomorrow_index_5_standard():
    status = decode_stge("9B3A9000")
    assert status.tempo_today is TempoColor.RED
    assert status.tempo_tomorrow is TempoColor.WHITE
    assert status.supplier_index == 5
    assert status.breaker is BreakerState.CLOSED


def test_stge_013A0501_dry_contact_open_producer_index_2_blue():
    status = decode_stge("013A0501")
    assert status.dry_contact_open
    assert status.producer
    assert status.supplier_index == 2
    assert status.tempo_today is TempoColor.BLUE
    assert status.tempo_tomorrow is TempoColor.UNKNOWN


@pytest.mark.parametrize(
    ("bit", "field", "value"),
    [
        (0, "dry_contact_open", True),
        (4, "terminal_cover_open", True),
        (6, "overvoltage", True),
        (7, "reference_power_exceeded", True),
        (8, "producer", True),
        (9, "energy_negative", True),
        (16, "clock_degraded", True),
        (23, "cpl_synchronised", True),
    ],
)
def test_each_stge_flag_bit(bit, field, value):
    assert getattr(decode_stge(f"{1 << bit:08X}"), field) is value
    assert getattr(decode_stge("00000000"), field) is (not value)


def test_every_stge_multi_bit_field():
    assert [decode_stge(f"{code << 1:08X}").breaker for code in range(8)] == list(BreakerState)
    assert decode_stge(f"{9 << 10:08X}").supplier_index == 10
    assert decode_stge(f"{3 << 14:08X}").distributor_index == 4
    assert decode_stge(f"{3 << 19:08X}").euridis_output is EuridisOutput.ENABLED_WITH_SECURITY
    assert decode_stge(f"{2 << 21:08X}").cpl_status is CplStatus.REGISTERED
    assert decode_stge(f"{3 << 24:08X}").tempo_today is TempoColor.RED
    assert decode_stge(f"{1 << 26:08X}").tempo_tomorrow is TempoColor.BLUE
    assert decode_stge(f"{2 << 28:08X}").mobile_peak_notice == 2
    assert decode_stge(f"{3 << 30:08X}").mobile_peak_active == 3


def test_stge_supplier_index_out_of_range_is_refused():
    with pytest.raises(ValueError):
        decode_stge(f"{10 << 10:08X}")


def test_relais_140_closes_relays_3_4_8():
    assert [n for n, closed in decode_relais("140").items() if closed] == [3, 4, 8]
    with pytest.raises(ValueError):
        decode_relais("256")


# -- horodate and address ----------------------------------------------------------------


def test_horodate_seasons_and_degraded_clock():
    summer = parse_horodate("E210414082625")
    assert summer.when == datetime(2021, 4, 14, 6, 26, 25, tzinfo=timezone.utc)
    assert not summer.clock_degraded
    winter = parse_horodate("h191203125805")
    assert winter.when.utcoffset() == timedelta(hours=1)
    assert winter.clock_degraded
    assert parse_horodate(" 240108060000").when == datetime(2024, 1, 8, 5, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw", ["X210414082625", "E211314082625", "E21041408262", "E2104140826a5"])
def test_impossible_horodates_are_refused(raw):
    with pytest.raises(ValueError):
        parse_horodate(raw)


def test_address_manufacturer_year_type():
    address = parse_address("021861348497")
    assert (address.manufacturer, address.year, address.device_type, address.phases) == (
        "Sagem / Sagemcom",
        2018,
        "61",
        1,
    )
    assert parse_address("031976306475").phases == 3  # type 76: the three-phase capture's meter
    assert parse_address("041963000001").phases == 3
    assert parse_address("991963000001").manufacturer == ""  # unknown codes are not guessed


# -- the label table -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "label", "value", "accepted"),
    [
        (HISTORIQUE_LABELS, "BASE", "001181243", True),
        (HISTORIQUE_LABELS, "BASE", "00118124", False),  # too short
        (HISTORIQUE_LABELS, "BASE", "0011812a3", False),  # not a digit
        (HISTORIQUE_LABELS, "PAPP", "02840", True),
        (HISTORIQUE_LABELS, "PAPP", "0284O", False),
        (HISTORIQUE_LABELS, "PTEC", "HP..", True),
        (HISTORIQUE_LABELS, "PTEC", "HX..", False),
        (HISTORIQUE_LABELS, "OPTARIF", "BBR(", True),
        (HISTORIQUE_LABELS, "DEMAIN", "ROUG", True),
        (HISTORIQUE_LABELS, "DEMAIN", "VERT", False),
        (STANDARD_LABELS, "STGE", "003A4301", True),
        (STANDARD_LABELS, "STGE", "003A430G", False),
        (STANDARD_LABELS, "EAST", "017026175", True),
        (STANDARD_LABELS, "NGTF", "     TEMPO      ", True),
        (STANDARD_LABELS, "ADSC", "XXXXXXXXXXXX", False),  # anonymised, not a serial
    ],
)
def test_label_widths_and_character_classes(table, label, value, accepted):
    assert table[label].accepts(Group(value)) is accepted


def test_horodate_is_required_where_the_spec_has_one_and_refused_elsewhere():
    assert STANDARD_LABELS["SMAXSN"].accepts(Group("05706", "H191203032158"))
    assert not STANDARD_LABELS["SMAXSN"].accepts(Group("05706"))
    assert not STANDARD_LABELS["EAST"].accepts(Group("017026175", "H191203032158"))


def test_rejected_and_unknown_labels_are_reported_not_used():
    reading = read_frame(frame_of(Mode.HISTORIQUE, PAPP="0284O", BASE="001181243", FOO="bar", IINST="005"))
    assert reading.rejected == ["PAPP"]
    assert reading.unknown == {"FOO": "bar"}
    assert reading.apparent_power_va == {}
    assert reading.supplier_energy_wh == {1: 1181243}


def test_the_historique_total_needs_every_index_of_the_option():
    indexes = {"BBRHCJB": "000000100", "BBRHPJB": "000000200", "BBRHCJW": "000000030",
               "BBRHPJW": "000000040", "BBRHCJR": "000000005", "BBRHPJR": "000000006"}
    whole = read_frame(frame_of(Mode.HISTORIQUE, OPTARIF="BBR(", **indexes))
    assert whole.energy_imported_wh == 381
    indexes.pop("BBRHCJR")  # a dropped group: the sum would be a value the meter never had
    assert read_frame(frame_of(Mode.HISTORIQUE, OPTARIF="BBR(", **indexes)).energy_imported_wh is None
    assert read_frame(frame_of(Mode.HISTORIQUE, BASE="001181243")).energy_imported_wh is None  # no OPTARIF


def test_an_impossible_horodate_rejects_its_group():
    reading = read_frame(frame_of(Mode.STANDARD, SMAXSN=("05706", "H191303032158")))
    assert reading.rejected == ["SMAXSN"]
    assert reading.apparent_power_max_va == {}


# -- historique ------------------------------------------------------------------------


def test_historique_tempo_capture():
    reading = read_frame(valid_frames(fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic"))[0])
    assert reading.mode is Mode.HISTORIQUE
    assert reading.serial == "021861348497"
    assert reading.tariff_option == "TEMPO"
    assert reading.supplier_energy_wh == {1: 18328856, 2: 23739545, 3: 1466099, 4: 2132883, 5: 860118, 6: 844115}
    assert reading.energy_imported_wh == sum(reading.supplier_energy_wh.values())
    assert reading.supplier_index_names[1] == "HC BLEU" and reading.supplier_index_names[6] == "HP ROUGE"
    assert reading.current_supplier_index == 1  # PTEC HCJB
    assert reading.tempo_today is TempoColor.BLUE
    assert reading.tempo_tomorrow is TempoColor.RED  # DEMAIN ROUG
    assert reading.apparent_power_va == {"import": 2840}
    assert reading.current_a == {1: 12}
    assert reading.reference_power_va == 30 * 200
    assert reading.phases == 1
    assert reading.reference_power_exceeded is False
    assert not reading.rejected and not reading.unknown


@pytest.mark.parametrize(
    ("capture", "isousc", "subscribed_va", "peak_va"),
    [
        ("hist_tri_ejp_cbetm__openhab_cbetm-ejp-option-1.tic", 30, 18000, 17480),
        ("hist_tri_base_cbetm__openhab_cbetm-base-option-1.tic", 20, 12000, None),
    ],
)
def test_three_phase_historique_subscribed_power_counts_every_phase(capture, isousc, subscribed_va, peak_va):
    # ISOUSC is the current of each phase: 30 A on three phases is 18 kVA, above
    # yesterday's peak of 17 480 VA (one phase's 6 kVA would be far below it).
    frames = [read_frame(frame) for frame in valid_frames(fixture_path(capture))]
    full = [reading for reading in frames if not reading.short_frame]
    assert full and all(reading.phases == 3 for reading in full)
    assert {reading.reference_power_va for reading in full} == {isousc * 200 * 3} == {subscribed_va}
    if peak_va is not None:
        assert {reading.apparent_power_max_va[("import", "yesterday")] for reading in full} == {peak_va}


def test_historique_subscribed_power_is_not_guessed_without_the_phase_count():
    assert read_frame(frame_of(Mode.HISTORIQUE, ISOUSC="30", IINST="012")).reference_power_va == 6000
    assert read_frame(frame_of(Mode.HISTORIQUE, ISOUSC="20", IINST1="001", IINST2="002", IINST3="003")).reference_power_va == 12000
    assert read_frame(frame_of(Mode.HISTORIQUE, ISOUSC="30", PAPP="00400")).reference_power_va is None


@pytest.mark.parametrize(
    ("option", "labels", "ptec", "index"),
    [
        ("BASE", {"BASE": 1}, "TH..", 1),
        ("HC..", {"HCHC": 1, "HCHP": 2}, "HP..", 2),
        ("EJP.", {"EJPHN": 1, "EJPHPM": 2}, "PM..", 2),
        ("BBR(", {"BBRHCJB": 1, "BBRHPJB": 2, "BBRHCJW": 3, "BBRHPJW": 4, "BBRHCJR": 5, "BBRHPJR": 6}, "HPJR", 6),
    ],
)
def test_historique_indexes_map_onto_supplier_numbers(option, labels, ptec, index):
    groups = {label: f"{n:09d}" for label, n in labels.items()}
    reading = read_frame(frame_of(Mode.HISTORIQUE, OPTARIF=option, PTEC=ptec, **groups))
    assert reading.supplier_energy_wh == {n: n for n in labels.values()}
    assert reading.current_supplier_index == index


def test_ejp_notice_and_mobile_peak():
    notice = read_frame(frame_of(Mode.HISTORIQUE, OPTARIF="EJP.", PTEC="HN..", PEJP="30"))
    assert (notice.mobile_peak_notice, notice.mobile_peak_active) == (1, 0)
    peak = read_frame(frame_of(Mode.HISTORIQUE, OPTARIF="EJP.", PTEC="PM.."))
    assert (peak.mobile_peak_notice, peak.mobile_peak_active) == (0, 1)


def test_adps_means_reference_power_exceeded_on_mono():
    reading = read_frame(frame_of(Mode.HISTORIQUE, IINST="045", ADPS="045", PAPP="10350"))
    assert reading.reference_power_exceeded is True
    assert reading.overcurrent_warning_a == {1: 45}


def test_historique_three_phase_short_frame_carries_only_its_values():
    reading = read_frame(
        frame_of(
            Mode.HISTORIQUE, ADIR1="064", ADIR2="000", ADIR3="000", ADCO="031976306475",
            IINST1="064", IINST2="002", IINST3="000",
        )
    )
    assert reading.short_frame
    assert reading.overcurrent_warning_a == {1: 64, 2: 0, 3: 0}
    assert reading.current_a == {1: 64, 2: 2, 3: 0}
    assert reading.apparent_power_va == {} and reading.energy_imported_wh is None
    assert reading.phases == 3


# -- standard ----------------------------------------------------------------------------


def test_standard_three_phase_producer_capture():
    frames = valid_frames(
        fixture_path("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic")
    )
    reading = read_frame(frames[0])
    assert reading.mode is Mode.STANDARD
    assert reading.tic_version == "02"
    assert reading.tariff_option == "TEMPO"
    assert reading.phases == 3
    assert reading.producer is True
    assert reading.energy_imported_wh == 11604109
    assert reading.supplier_energy_wh[1] == 2741488 and len(reading.supplier_energy_wh) == 10
    assert reading.distributor_energy_wh == {1: 11604109, 2: 0, 3: 0, 4: 0}
    assert reading.energy_exported_wh == 671631
    assert reading.reactive_energy_varh == {1: 2970842, 2: 204084, 3: 84948, 4: 774332}
    assert reading.voltage_v == {1: 234, 2: 240, 3: 242}
    assert reading.voltage_mean_v == {1: 230, 2: 239, 3: 243}
    assert reading.phase_apparent_power_max_va[(1, "yesterday")] == 1084
    assert reading.load_curve_w == {("import", "n"): 806, ("import", "n-1"): 1152, ("export", "n"): 0, ("export", "n-1"): 0}
    assert reading.reference_power_va == reading.cutoff_power_va == 18000
    assert reading.current_supplier_index == 2
    assert reading.supplier_index_names == {2: "HP BLEU"}
    assert reading.tempo_today is TempoColor.BLUE
    assert reading.meter_time.utcoffset() == timedelta(hours=2)
    assert reading.relays == {n: False for n in range(1, 9)}
    assert not reading.rejected and not reading.unknown


def test_ntarf_agrees_with_stge_on_every_real_standard_capture():
    checked = 0
    for path in all_capture_paths():
        for frame in valid_frames(path):
            if frame.mode is not Mode.STANDARD or "NTARF" not in frame.groups or "STGE" not in frame.groups:
                continue
            assert int(frame.groups["NTARF"].value) == decode_stge(frame.groups["STGE"].value).supplier_index, path.name
            assert "NTARF" not in read_frame(frame).rejected
            checked += 1
    assert checked >= 3


def test_ntarf_disagreeing_with_stge_trusts_neither():
    reading = read_frame(frame_of(Mode.STANDARD, STGE="003A4301", NTARF="05", LTARF="    HP  BLEU    "))
    assert reading.current_supplier_index is None
    assert "NTARF" in reading.rejected
    assert reading.supplier_index_names == {}


def test_every_real_capture_reads_without_exception():
    for path in all_capture_paths():
        for frame in valid_frames(path):
            reading = read_frame(frame)
            assert reading.mode is frame.mode
