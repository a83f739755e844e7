"""One read per frame, just after its end (sources/frame_timing.py), on a steady meter and on odd ones."""

from __future__ import annotations

import time

import pytest

from linky_exporter.simulator import generate
from linky_exporter.sources.frame_timing import LONGEST_WAIT_S, MARGIN_S, RETRY_S, FrameTiming
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.sources.session import LineSession
from linky_exporter.tic.framing import FrameResult, Mode

BAUD = 9600
OTHERWISE = 0.5  # the session's pause while the pace is unknown


def test_until_two_frames_are_seen_the_pause_stands():
    timing = FrameTiming()
    assert timing.wait(10.0, OTHERWISE) == OTHERWISE
    timing.observe(10.0, 1, 0, BAUD)
    assert timing.wait(10.0, OTHERWISE) == OTHERWISE


def test_the_next_read_is_just_after_the_next_frame_ends():
    timing = FrameTiming()
    timing.observe(10.1, 1, 96, BAUD)  # 96 bytes after its ETX: it ended 0.1 s before the read
    timing.observe(11.2, 1, 96, BAUD)  # ended at 11.1: a frame every 1.1 s
    assert abs(timing.period - 1.1) < 1e-9
    assert abs(timing.wait(11.2, OTHERWISE) - (12.2 + MARGIN_S - 11.2)) < 1e-9


def test_a_read_that_took_two_frames_counts_two_periods():
    timing = FrameTiming()
    timing.observe(10.0, 1, 0, BAUD)
    timing.observe(12.2, 2, 0, BAUD)
    assert abs(timing.period - 1.1) < 1e-9


def test_a_late_frame_is_looked_for_soon_then_the_pause_comes_back():
    timing = FrameTiming()
    timing.observe(10.0, 1, 0, BAUD)
    timing.observe(11.0, 1, 0, BAUD)
    assert timing.wait(12.15, OTHERWISE) == RETRY_S  # due at 12.1: late, look again soon
    assert timing.wait(13.5, OTHERWISE) == OTHERWISE  # a period late: no pace to follow


def test_no_pace_is_learnt_from_frames_too_close_or_too_far_apart():
    for gap in (0.05, 30.0):  # a replay as fast as it goes, a line that stalled
        timing = FrameTiming()
        timing.observe(10.0, 1, 0, BAUD)
        timing.observe(10.0 + gap, 1, 0, BAUD)
        assert timing.period is None and timing.wait(10.0 + gap, OTHERWISE) == OTHERWISE


def test_a_slow_pace_is_read_within_what_a_tty_holds():
    timing = FrameTiming()
    timing.observe(10.0, 1, 0, 1200)
    timing.observe(14.5, 1, 0, 1200)
    assert timing.wait(14.5, OTHERWISE) == LONGEST_WAIT_S


@pytest.mark.slow  # 7 s of real time
def test_a_meter_read_at_its_pace_takes_one_read_a_frame_and_loses_none(tmp_path):
    """A standard capture replayed at 9600 Bd (a frame every 0.9 s, back to back), read by
    a session with real waits: once the pace is learnt, each read completes a frame,
    whole, at most a few tenths of a second after its end."""
    capture = tmp_path / "standard.tic"
    capture.write_bytes(generate("simulated://standard?contract=tempo&seed=3&start=2024-01-10T12:00", 20))
    session = LineSession(CaptureFile(f"file://{capture}"), None, Mode.STANDARD)
    reads, frames, delays = [], 0, []
    deadline = time.monotonic() + 7.0
    while time.monotonic() < deadline:
        chunk = session.read_now()
        completed = [frame for frame in chunk.frames if frame.result is FrameResult.VALID]
        assert len(completed) == len(chunk.frames)  # no frame broken by the reads
        frames += len(completed)
        if frames >= 3:  # the pace is learnt from the first frames
            reads.append(len(completed))
            if completed:
                delays.append(session.decoder.unfinished * 10 / BAUD)  # seconds since the frame's end
        time.sleep(session.wait(chunk).seconds)
    assert frames >= 6
    assert len(reads) <= sum(reads) + 2  # about one read a frame (was two a second)
    assert max(delays) < MARGIN_S + 0.25
    capture.unlink()
