"""Property tests: chunking never matters; random and mutated input never raises,
never yields a group whose checksum is wrong, and never grows memory without bound."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linky_exporter.tic.framing import DEFAULT_MAX_FRAME_BYTES, Frame, FrameDecoder, Mode, checksum
from linky_exporter.tic.interpret import read_frame

from ..support.captures import fixture_counts, fixture_path

CAPTURES = [fixture_path(name).read_bytes() for name in sorted(fixture_counts())]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class ForgetfulDecoder(FrameDecoder):
    """Checks every group of every frame afresh, as if none came in the frame before."""

    def _parse(self, body: bytes) -> Frame:
        self._known = {}
        return super()._parse(body)


def run(data: bytes, cuts: list[int] | None = None, decoder_class: type[FrameDecoder] = FrameDecoder,
        mode: Mode | None = None) -> tuple[list[Frame], FrameDecoder]:
    decoder = decoder_class(mode=mode, max_frame_bytes=2048)
    frames: list[Frame] = []
    start = 0
    for cut in sorted(set(cuts or [])):
        frames += decoder.feed(data[start:cut])
        start = cut
        assert len(decoder._pending) <= decoder.max_frame_bytes
    frames += decoder.feed(data[start:])
    frames += decoder.flush()
    return frames, decoder


def assert_every_group_has_its_checksum(frames: list[Frame], data: bytes) -> None:
    masked = bytes(b & 0x7F for b in data)
    for frame in frames:
        for label, group in frame.groups.items():
            if frame.mode is Mode.STANDARD:
                fields = [label] + ([group.horodate] if group.horodate is not None else []) + [group.value]
                payload = ("\t".join(fields) + "\t").encode()
                wire = payload + bytes([checksum(payload)])
            else:
                payload = f"{label} {group.value}".encode()
                wire = payload + b" " + bytes([checksum(payload)])
            assert b"\n" + wire + b"\r" in masked, (label, group)


def mutate(data: bytes, draw_ops: list[tuple[int, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, position, value in draw_ops:
        if not buf:
            break
        i = position % len(buf)
        if kind == 0:  # bit flip
            buf[i] ^= 1 << (value % 8)
        elif kind == 1:  # dropped byte
            del buf[i]
        elif kind == 2:  # inserted byte
            buf.insert(i, value % 256)
        elif kind == 3:  # EOT
            buf.insert(i, 0x04)
        elif kind == 4:  # wrong separator
            if buf[i] in (0x09, 0x20):
                buf[i] ^= 0x09 ^ 0x20
        elif kind == 5:  # truncation
            del buf[i:]
        elif kind == 6:  # CR / LF / STX / ETX where they do not belong
            buf.insert(i, (0x0D, 0x0A, 0x02, 0x03)[value % 4])
    return bytes(buf)


ops = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1 << 20), st.integers(0, 255)), max_size=12)


@SETTINGS
@given(capture=st.sampled_from(CAPTURES), cuts=st.lists(st.integers(0, 4000), max_size=20))
def test_any_chunking_gives_identical_output(capture, cuts):
    cuts = [c % (len(capture) + 1) for c in cuts]
    whole, whole_decoder = run(capture)
    split, split_decoder = run(capture, cuts)
    assert [(f.result, f.mode, f.groups) for f in split] == [(f.result, f.mode, f.groups) for f in whole]
    assert split_decoder.stats == whole_decoder.stats


@SETTINGS
@given(data=st.binary(max_size=4000), cuts=st.lists(st.integers(0, 4000), max_size=8))
def test_random_bytes_never_raise_nor_yield_a_wrong_checksum(data, cuts):
    frames, _ = run(data, [c % (len(data) + 1) for c in cuts])
    assert_every_group_has_its_checksum(frames, data)
    for frame in frames:
        if frame.groups:
            read_frame(frame)


@SETTINGS
@given(capture=st.sampled_from(CAPTURES), operations=ops, cuts=st.lists(st.integers(0, 4000), max_size=8))
def test_mutated_real_frames_never_raise_nor_yield_a_wrong_checksum(capture, operations, cuts):
    data = mutate(capture, operations)
    frames, _ = run(data, [c % (len(data) + 1) for c in cuts])
    assert_every_group_has_its_checksum(frames, data)
    for frame in frames:
        if frame.groups:
            reading = read_frame(frame)
            assert all(v >= 0 for v in reading.supplier_energy_wh.values())


@SETTINGS
@given(capture=st.sampled_from(CAPTURES), operations=ops, cuts=st.lists(st.integers(0, 4000), max_size=8),
       mode=st.sampled_from([None, Mode.HISTORIQUE, Mode.STANDARD]))
def test_groups_known_from_the_previous_frame_are_judged_as_afresh(capture, operations, cuts, mode):
    """The decoder takes a group that repeats the previous frame's as it was checked then;
    on damaged and undamaged frames alike that must change nothing."""
    data = mutate(capture * 2, operations)
    cuts = [c % (len(data) + 1) for c in cuts]
    remembered, remembering = run(data, cuts, FrameDecoder, mode)
    afresh, forgetful = run(data, cuts, ForgetfulDecoder, mode)
    assert [(f.result, f.mode, f.groups, f.groups_valid, f.groups_bad_checksum, f.groups_malformed) for f in remembered] == [
        (f.result, f.mode, f.groups, f.groups_valid, f.groups_bad_checksum, f.groups_malformed) for f in afresh
    ]
    assert remembering.stats == forgetful.stats


def test_a_group_damaged_in_the_next_frame_is_not_taken_from_the_last():
    group = b"\nPAPP 00750 -\r"
    frame = b"\x02\nADCO 031762120162 6\r" + group + b"\x03"
    damaged = frame.replace(group, b"\nPAPP 00751 -\r")  # the same checksum character, now wrong
    decoder = FrameDecoder()
    (first,) = decoder.feed(frame)
    (second,) = decoder.feed(damaged)
    assert first.groups["PAPP"].value == "00750"
    assert "PAPP" not in second.groups and second.groups_bad_checksum == 1


@SETTINGS
@given(data=st.binary(min_size=1, max_size=512), repeat=st.integers(1, 200))
def test_memory_stays_bounded_on_endless_input_without_frame_ends(data, repeat):
    decoder = FrameDecoder()
    noise = data.replace(b"\x03", b"").replace(b"\x02", b"").replace(b"\x04", b"") or b"x"
    decoder.feed(b"\x02")
    for _ in range(repeat):
        decoder.feed(noise)
        assert len(decoder._pending) <= DEFAULT_MAX_FRAME_BYTES
