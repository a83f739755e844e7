"""The framing layer against every real capture and every field problem of docs/protocol.md §9."""

from __future__ import annotations

import json
import re

import pytest

from linky_exporter.tic.framing import (
    DEFAULT_MAX_FRAME_BYTES,
    Frame,
    FrameDecoder,
    FrameResult,
    Mode,
    checksum,
)

from ..support.captures import SHARED_RAW, fixture_counts, fixture_path, require_shared, shared_manifest


def decode_all(data: bytes, chunk: int | None = None, mode: Mode | None = None) -> tuple[list[Frame], FrameDecoder]:
    decoder = FrameDecoder(mode=mode)
    frames: list[Frame] = []
    if chunk is None:
        frames += decoder.feed(data)
    else:
        for i in range(0, len(data), chunk):
            frames += decoder.feed(data[i : i + chunk])
    frames += decoder.flush()
    return frames, decoder


def counts(decoder: FrameDecoder) -> dict[str, int]:
    s = decoder.stats
    return {
        "frames": s.frames_valid,
        "partial_frames": s.frames_invalid + s.frames_interrupted,
        "groups_valid": s.groups_valid,
        "groups_bad_checksum": s.groups_bad_checksum,
        "groups_unparseable": s.groups_malformed,
    }


def expected(entry: dict) -> dict[str, int]:
    return {key: entry[key] for key in ("frames", "partial_frames", "groups_valid", "groups_bad_checksum", "groups_unparseable")}


def assert_values_are_raw_data(frames: list[Frame], raw: bytes) -> None:
    """Every valid group is literally in the capture: label, horodate and data unchanged."""
    for frame in frames:
        sep = "\t" if frame.mode is Mode.STANDARD else " "
        for label, group in frame.groups.items():
            fields = [label] + ([group.horodate] if group.horodate is not None else []) + [group.value]
            body = sep.join(fields).encode("ascii")
            assert b"\n" + body + sep.encode() in raw, (label, group)


# -- real captures -----------------------------------------------------------

FIXTURE_COUNTS = fixture_counts()


@pytest.mark.parametrize("name", sorted(FIXTURE_COUNTS))
def test_fixture_capture_counts_match_manifest(name):
    raw = fixture_path(name).read_bytes()
    frames, decoder = decode_all(raw)
    assert counts(decoder) == expected(FIXTURE_COUNTS[name])
    assert_values_are_raw_data(frames, raw)
    assert {f.mode for f in frames if f.groups} == {Mode(FIXTURE_COUNTS[name]["mode"])}


def _shared_names() -> list[str]:
    if (SHARED_RAW / "MANIFEST.json").is_file():
        return sorted(json.loads((SHARED_RAW / "MANIFEST.json").read_text())["files"])
    return ["shared-captures-missing"]


@pytest.mark.parametrize("name", _shared_names())
def test_every_shared_capture_counts_match_manifest(name):
    manifest = shared_manifest()  # fails in CI, skips elsewhere, when ../shared is absent
    raw = (require_shared() / name).read_bytes()
    frames, decoder = decode_all(raw)
    assert counts(decoder) == expected(manifest[name])
    assert_values_are_raw_data(frames, raw)


def test_fixtures_are_byte_identical_to_shared():
    manifest = shared_manifest()
    for name in FIXTURE_COUNTS:
        assert fixture_path(name).read_bytes() == (require_shared() / name).read_bytes(), name
        assert FIXTURE_COUNTS[name]["sha256"] == manifest[name]["sha256"]


# -- checksums -----------------------------------------------------------------


def test_checksum_examples_from_protocol():
    assert chr(checksum(b"VTIC\t02\t")) == "J"
    assert chr(checksum(b"DATE\tH191203125805\t\t")) == "F"
    assert chr(checksum(b"ADCO 050022120078")) == "2"
    assert chr(checksum(b"PTEC HP..")) == " "


def hist_group(label: str, data: str) -> bytes:
    payload = f"{label} {data}".encode()
    return b"\n" + payload + b" " + bytes([checksum(payload)]) + b"\r"


def std_group(label: str, data: str, horodate: str | None = None) -> bytes:
    payload = "\t".join([label] + ([horodate] if horodate is not None else []) + [data]).encode() + b"\t"
    return b"\n" + payload + bytes([checksum(payload)]) + b"\r"


def frame(*groups: bytes) -> bytes:
    return b"\x02" + b"".join(groups) + b"\x03"


HIST = frame(hist_group("ADCO", "021861348497"), hist_group("PTEC", "HP.."), hist_group("PAPP", "02840"))
STD = frame(
    std_group("ADSC", "021861348497"),
    std_group("DATE", "", "H191203125805"),
    std_group("NGTF", " HC et Week-End "),
    std_group("SMAXSN", "05706", "H191203032158"),
)


def test_checksum_that_is_a_space_is_accepted():
    assert hist_group("PTEC", "HP..").endswith(b"  \r")  # separator, then a space checksum
    frames, _ = decode_all(HIST)
    assert frames[0].groups["PTEC"].value == "HP.."


def test_standard_horodate_empty_data_and_spaces_in_data():
    frames, _ = decode_all(STD)
    groups = frames[0].groups
    assert frames[0].mode is Mode.STANDARD
    assert groups["DATE"] == ("", "H191203125805")
    assert groups["NGTF"].value == " HC et Week-End "
    assert groups["SMAXSN"] == ("05706", "H191203032158")


def test_nine_character_label():
    data = frame(std_group("SMAXSN1-1", "01084", "E210413111148"))
    frames, _ = decode_all(data)
    assert frames[0].groups["SMAXSN1-1"].value == "01084"


# -- field problems --------------------------------------------------------------


@pytest.mark.parametrize("data", [HIST, STD], ids=["historique", "standard"])
def test_bit_7_set_on_every_byte_is_masked(data):
    with_parity = bytes(b | 0x80 for b in data)
    assert decode_all(with_parity)[0][0].groups == decode_all(data)[0][0].groups


def test_even_parity_in_bit_7_is_masked():
    def even(b: int) -> int:
        return b | (0x80 if bin(b).count("1") % 2 else 0)

    frames, decoder = decode_all(bytes(even(b) for b in STD * 3))
    assert decoder.stats.frames_valid == 3
    assert frames[0].groups == decode_all(STD)[0][0].groups


def test_etx_directly_followed_by_stx():
    frames, decoder = decode_all(HIST * 5)
    assert [f.result for f in frames] == [FrameResult.VALID] * 5
    assert decoder.stats.groups_valid == 15


def test_stream_starting_mid_frame_and_mid_group():
    stream = HIST[17:] + HIST * 2
    frames, decoder = decode_all(stream)
    assert [f.result for f in frames] == [FrameResult.INVALID, FrameResult.VALID, FrameResult.VALID]
    assert decoder.stats.groups_malformed == 1  # the cut group's tail


def test_eot_interrupts_a_frame_and_its_groups_are_not_used():
    interrupted = HIST[:-20] + b"\x04"
    frames, decoder = decode_all(HIST + interrupted + HIST)
    assert [f.result for f in frames] == [FrameResult.VALID, FrameResult.INTERRUPTED, FrameResult.VALID]
    assert decoder.stats.frames_interrupted == 1


def test_eot_right_after_a_group_as_in_a_real_log():
    data = b"\x02" + hist_group("HCHP", "019571184") + b"\x04" + HIST
    frames, _ = decode_all(data)
    assert [f.result for f in frames] == [FrameResult.INTERRUPTED, FrameResult.VALID]


def test_lf_inside_a_group_truncates_it():
    bad = b"\nPAPP 02\n840 /\r"
    frames, decoder = decode_all(frame(hist_group("ADCO", "021861348497"), bad, hist_group("IINST", "012")))
    assert set(frames[0].groups) == {"ADCO", "IINST"}
    assert decoder.stats.groups_malformed == 2  # "PAPP 02" has no CR; "840 /" has no separator layout


def test_cr_inside_a_group_ends_it_and_the_rest_is_noise():
    bad = b"\nPAPP 0\r2840 /\r"
    frames, decoder = decode_all(frame(bad, hist_group("IINST", "012")))
    assert set(frames[0].groups) == {"IINST"}
    assert decoder.stats.groups_malformed == 1


def test_nul_and_noise_between_frames_are_ignored():
    frames, decoder = decode_all(b"\x00\xff\x00" + HIST + b"\x00\x00garbage" + HIST + b"\x00")
    assert [f.result for f in frames] == [FrameResult.VALID, FrameResult.VALID]
    assert decoder.stats.stray_bytes > 0


def test_nul_inside_a_group_is_never_a_value():
    # A NUL that keeps the checksum right (NUL adds 0 to the sum) must still be refused.
    payload = b"PAPP 02\x00840"
    group = b"\n" + payload + b" " + bytes([checksum(payload)]) + b"\r"
    frames, decoder = decode_all(frame(group, hist_group("IINST", "012")))
    assert "PAPP" not in frames[0].groups
    assert decoder.stats.groups_malformed == 1


def test_frame_that_never_ends_is_dropped_and_memory_stays_bounded():
    decoder = FrameDecoder()
    decoder.feed(b"\x02")
    endless = hist_group("PAPP", "02840") * 100
    emitted = []
    for _ in range(200):
        emitted += decoder.feed(endless)
        assert len(decoder._pending) <= DEFAULT_MAX_FRAME_BYTES
    # The overflowing frame is emitted once as an invalid frame without groups (so the
    # exporter's frames_total counts it); what follows is discarded until STX.
    assert len(emitted) == 1 and emitted[0].result is FrameResult.INVALID and not emitted[0].groups
    assert decoder.stats.frames_overflowed == 1 and decoder.stats.frames_invalid == 1
    frames = decoder.feed(b"\x03" + HIST)
    assert frames and frames[-1].result is FrameResult.VALID


def test_corrupted_delimiters_cr_ff():
    bad = b"\nPAPP 02840 /\x0f"  # a corrupted CR: the group never ends
    frames, decoder = decode_all(frame(bad, hist_group("IINST", "012")))
    assert set(frames[0].groups) == {"IINST"}
    assert decoder.stats.groups_malformed == 1


def test_wrong_checksum_is_counted_and_dropped():
    good = hist_group("PAPP", "02840")
    bad = good[:-2] + bytes([good[-2] ^ 0x01]) + b"\r"
    frames, decoder = decode_all(frame(bad, hist_group("IINST", "012")))
    assert "PAPP" not in frames[0].groups
    assert decoder.stats.groups_bad_checksum == 1


def test_fixed_mode_refuses_the_other_modes_groups():
    frames, decoder = decode_all(HIST, mode=Mode.STANDARD)
    assert frames[0].groups == {}
    assert frames[0].result is FrameResult.INVALID
    assert decoder.stats.groups_malformed == 3


def test_a_frame_mixing_separators_keeps_its_first_mode():
    frames, decoder = decode_all(frame(hist_group("PAPP", "02840"), std_group("VTIC", "02")))
    assert frames[0].mode is Mode.HISTORIQUE
    assert set(frames[0].groups) == {"PAPP"}
    assert decoder.stats.groups_malformed == 1


def test_historique_three_phase_short_frames_pass_through():
    short = frame(
        hist_group("ADIR1", "064"),
        hist_group("ADIR2", "000"),
        hist_group("ADIR3", "000"),
        hist_group("ADCO", "031976306475"),
        hist_group("IINST1", "064"),
        hist_group("IINST2", "002"),
        hist_group("IINST3", "000"),
    )
    frames, _ = decode_all(short * 20 + HIST)
    assert len(frames) == 21
    assert set(frames[0].groups) == {"ADIR1", "ADIR2", "ADIR3", "ADCO", "IINST1", "IINST2", "IINST3"}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_chunk_size_does_not_change_the_output(chunk):
    raw = fixture_path("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic").read_bytes()
    whole, whole_decoder = decode_all(raw)
    split, split_decoder = decode_all(raw, chunk=chunk)
    assert [(f.result, f.groups) for f in split] == [(f.result, f.groups) for f in whole]
    assert split_decoder.stats == whole_decoder.stats


def test_no_group_with_a_wrong_checksum_in_a_real_corrupted_capture():
    raw = (require_shared() / "std_mono_tempo_CORRUPTED__ticmeter_STANDARD_Corompu.tic").read_bytes()
    frames, _ = decode_all(raw)
    for f in frames:
        for label, group in f.groups.items():
            assert re.fullmatch(r"[A-Z0-9+-]+", label)
            payload = "\t".join([label] + ([group.horodate] if group.horodate else []) + [group.value]) + "\t"
            assert f"\n{payload}{chr(checksum(payload.encode()))}\r".encode() in raw


def _crlf_layout(capture: bytes) -> bytes:
    """A capture's whole frames laid out STX CR LF group CR LF ... group CR LF ETX, CR LF between frames,
    as a real three-phase historique capture published with the issue is."""
    body = capture[capture.index(b"\x02") : capture.rindex(b"\x03") + 1]
    return body.replace(b"\x02\n", b"\x02\r\n").replace(b"\r\x03", b"\r\n\x03").replace(b"\x03\x02", b"\x03\r\n\x02")


@pytest.mark.parametrize("name", ["hist_tri_ejp_cbetm__openhab_cbetm-ejp-option-1.tic",
                                  "hist_mono_tempo_linky__pyteleinfo_captured_frames.tic"])
@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_cr_and_lf_around_stx_etx_and_between_frames_are_stray_bytes_not_groups(name, chunk):
    capture = fixture_path(name).read_bytes()
    plain, plain_decoder = decode_all(capture[capture.index(b"\x02") : capture.rindex(b"\x03") + 1])
    crlf = _crlf_layout(capture)
    assert crlf.count(b"\x02\r\n") == len(plain)
    frames, decoder = decode_all(crlf, chunk=chunk)
    assert [f.result for f in frames] == [f.result for f in plain] and all(f.result is FrameResult.VALID for f in plain)
    assert [f.groups for f in frames] == [f.groups for f in plain]
    assert decoder.stats.groups_malformed == plain_decoder.stats.groups_malformed == 0
    assert decoder.stats.groups_valid == plain_decoder.stats.groups_valid
    # CR after STX, LF before ETX, CR LF between frames
    assert decoder.stats.stray_bytes == plain_decoder.stats.stray_bytes + 2 * len(plain) + 2 * (len(plain) - 1)


def test_real_malformed_groups_are_still_counted_in_the_crlf_layout():
    bad = b"\nPAPP 02840 /\x0f"  # a corrupted CR: the group never ends
    data = b"\x02\r" + hist_group("ADCO", "021861348497") + bad + hist_group("IINST", "012") + b"\n\x03"
    frames, decoder = decode_all(data)
    assert frames[0].result is FrameResult.VALID and set(frames[0].groups) == {"ADCO", "IINST"}
    assert decoder.stats.groups_malformed == 1
    frames, decoder = decode_all(b"\x02\r\nPAPP 0\r\n\x03")  # a group too short to be one
    assert decoder.stats.groups_malformed == 1
