"""Mode auto-detection decides on valid groups and frames, never on a pattern in garbage."""

from __future__ import annotations

import random

import pytest

from linky_exporter.sources.autodetect import GARBAGE_BYTES, ModeDetector
from linky_exporter.tic.framing import FrameDecoder, Mode

from ..support.captures import fixture_counts, fixture_path

HIST = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
STD = fixture_path("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic").read_bytes()


def feed(detector: ModeDetector, decoder: FrameDecoder, data: bytes, start: float, chunk: int = 96, step: float = 0.1):
    events, now = [], start
    for i in range(0, len(data), chunk):
        piece = data[i : i + chunk]
        now += step
        event = detector.observe(now, piece, decoder.feed(piece))
        if event:
            events.append(event)
    return events, now


def garbage(n: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.choice(b"\x00\x80\xff\xf8\xe0\x1c\x06") for _ in range(n))


def test_locks_on_the_first_valid_frame():
    detector = ModeDetector(None, 0.0)
    events, _ = feed(detector, FrameDecoder(), HIST, 0.0)
    assert events[0].mode is Mode.HISTORIQUE and events[0].kind == "detected"
    assert detector.locked is Mode.HISTORIQUE and detector.baudrate == 1200


def test_the_right_speed_is_kept_while_a_long_frame_is_still_coming():
    # Joined mid-frame on a standard three-phase line: about 1.7 kB before the first ETX.
    detector = ModeDetector(None, 0.0, start=Mode.STANDARD)
    head = STD[: STD.index(b"\x03")]
    assert len(head) > 4 * GARBAGE_BYTES[Mode.STANDARD]
    feed(detector, FrameDecoder(), head, 0.0)
    assert detector.trying is Mode.STANDARD  # valid groups kept it there, no frame needed


def test_garbage_switches_speed_after_a_bounded_number_of_bytes():
    detector = ModeDetector(None, 0.0)
    feed(detector, FrameDecoder(), garbage(GARBAGE_BYTES[Mode.HISTORIQUE] + 10), 0.0, chunk=10, step=0.01)
    assert detector.trying is Mode.STANDARD and detector.baudrate == 9600


HISTORIQUE_CAPTURES = sorted(name for name in fixture_counts() if name.startswith("hist_"))


@pytest.mark.parametrize("name", HISTORIQUE_CAPTURES)
def test_a_historique_line_keeps_its_speed_wherever_it_is_joined(name):
    """Historique gives up after fewer bytes than standard: at the right speed, joined at any
    byte and read a few bytes at a time, a whole valid group always comes before them."""
    capture = fixture_path(name).read_bytes()
    data = capture * 2  # a one-frame capture joined mid-way: the frame comes again
    for offset in range(0, capture.index(b"\x03") + 1):
        detector = ModeDetector(None, 0.0)
        decoder = FrameDecoder()
        for i in range(offset, len(data), 7):
            piece = data[i : i + 7]
            detector.observe(0.0, piece, decoder.feed(piece))
            assert detector.trying is Mode.HISTORIQUE, (name, offset, i)
            if detector.locked is not None:
                break
        assert detector.locked is Mode.HISTORIQUE, (name, offset)


def test_silence_alternates_speeds_on_a_timer():
    detector = ModeDetector(None, 0.0)
    detector.observe(5.1, b"", [])
    assert detector.trying is Mode.STANDARD
    detector.observe(8.2, b"", [])
    assert detector.trying is Mode.HISTORIQUE


def test_mode_change_is_detected_again_when_frames_stop_but_bytes_keep_coming():
    detector = ModeDetector(None, 0.0)
    decoder = FrameDecoder()
    _, now = feed(detector, decoder, HIST, 0.0)
    assert detector.locked is Mode.HISTORIQUE
    # Enedis switches the meter: at 1200 Bd the 9600 Bd stream is garbage.
    events, now = feed(detector, decoder, garbage(2000, seed=2), now, chunk=50, step=0.5)
    assert [e.kind for e in events] == ["lost"]
    assert detector.locked is None and detector.baudrate == 9600
    events, _ = feed(detector, FrameDecoder(), STD, now)
    assert events[0].mode is Mode.STANDARD and detector.locked is Mode.STANDARD


def test_a_fixed_mode_never_switches():
    detector = ModeDetector(Mode.STANDARD, 0.0)
    events, _ = feed(detector, FrameDecoder(), garbage(5000), 0.0, step=1.0)
    assert events == [] and detector.baudrate == 9600


def test_a_frame_longer_than_an_attempt_keeps_the_speed_while_its_groups_come():
    """A three-phase historique frame is 3 s on the wire: joined just after its start, the
    whole next one ends 6 s later, past ATTEMPT_SECONDS. Its valid groups keep the speed."""
    from linky_exporter.simulator import generate

    data = generate("simulated://historique?phases=3&contract=tempo&seed=3&start=2024-01-10T19:00", 3)
    frame = data.index(b"\x03") + 1
    assert frame * 10 / 1200 > 2.5  # seconds on the wire at 1200 Bd, 7E1
    detector, decoder = ModeDetector(None, 0.0), FrameDecoder()
    now = 0.0
    for i in range(5, len(data), 12):  # 120 bytes a second
        now += 0.1
        piece = data[i : i + 12]
        detector.observe(now, piece, decoder.feed(piece))
        assert detector.trying is Mode.HISTORIQUE, now
        if detector.locked is not None:
            break
    assert detector.locked is Mode.HISTORIQUE and now > 5.0


def test_bytes_read_just_after_a_change_of_speed_do_not_count_against_the_new_one():
    """A UART keeps what it received at the old speed: the first read after the change holds
    that garbage, which must not make the detector leave the new speed at once."""
    detector = ModeDetector(None, 0.0)
    leftover = garbage(3 * GARBAGE_BYTES[Mode.HISTORIQUE])
    assert detector.observe(0.1, leftover, [], switched=True) is None
    assert detector.trying is Mode.HISTORIQUE
    detector.observe(0.2, leftover, [])  # the same garbage read at this speed: wrong speed
    assert detector.trying is Mode.STANDARD
