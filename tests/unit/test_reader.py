"""A meter's reader: it never ends because of the source, whatever the source does."""

from __future__ import annotations

import os
import threading
import time

from linky_exporter.meter import MeterState
from linky_exporter.meter.reader import MeterReader
from linky_exporter.meter.reading_loop import ReadingLoop
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.sources.serial_line import open_serial
from linky_exporter.sources.spec import parse_source

from ..support.captures import fixture_path
from ..support.processes import wait_for

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast"


def test_an_unexpected_error_in_the_source_is_logged_and_the_reader_goes_on(caplog, monkeypatch):
    monkeypatch.setattr("linky_exporter.meter.reader.BACKOFF_MAX_S", 0.05)
    calls = []

    def opener(spec, baudrate):
        calls.append(baudrate)
        if len(calls) == 1:
            raise RuntimeError("a bug in a source")
        return CaptureFile(spec.url)

    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(CAPTURE), state, None, opener=opener)
    loop = ReadingLoop([reader], stop)
    loop.start()
    try:
        wait_for(lambda: state.snapshot.frames["valid"] == 10, timeout=30, what="10 valid frames")
        assert "a bug in a source" in caplog.text
    finally:
        stop.set()
        loop.join(5)


def test_a_device_missing_at_start_is_retried_with_one_log_line(caplog, monkeypatch, tmp_path):
    monkeypatch.setattr("linky_exporter.meter.reader.BACKOFF_MAX_S", 0.05)
    missing = tmp_path / "ttyUSB9"
    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(str(missing)), state, None)
    loop = ReadingLoop([reader], stop)
    loop.start()
    try:
        time.sleep(1.0)
        assert loop.is_alive() and not reader.opened.is_set()
        assert caplog.text.count("cannot open") == 1
    finally:
        stop.set()
        loop.join(5)


def test_a_line_that_refuses_7e1_is_read_as_8n1_with_one_warning(caplog):
    # A pty opened a second time refuses 7E1 (EINVAL from tcsetattr): what an
    # exporter restarted on `simulate --pty` meets. pyserial lets termios.error out,
    # which is no OSError; it must not be taken for a bug and retried for ever.
    master, slave = os.openpty()
    stop = threading.Event()
    loop = None
    try:
        open_serial(os.ttyname(slave), 1200).close()  # the first reader, gone
        state = MeterState("linky", stale_after=30)
        reader = MeterReader(parse_source(os.ttyname(slave)), state, None)
        loop = ReadingLoop([reader], stop)
        loop.start()
        wait_for(reader.opened.is_set, timeout=10, what="the line opened")
        os.write(master, fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()[:3000])
        wait_for(lambda: state.snapshot.frames["valid"] >= 3, timeout=30, what="valid frames read as 8N1")
        assert caplog.text.count("reading it as 8N1") == 1
        assert "unexpected error" not in caplog.text
    finally:
        stop.set()
        if loop is not None:
            loop.join(5)
        os.close(master)
        os.close(slave)


class _TwoSpeedLine:
    """A line that speaks only at 9600 Bd, with a clock of its own (a Line as the protocol asks)."""

    def __init__(self, data: bytes):
        self.baudrate = 1200
        self._data = data
        self.switches = 0

    def read(self, size: int = 1) -> bytes:
        if self.baudrate != 9600:
            return b"\x7f" * 300  # garbage at the wrong speed
        chunk, self._data = self._data[:size], self._data[size:]
        return chunk

    def close(self) -> None:
        pass

    def source_seconds(self, previous: float, wall_s: float, size: int) -> float:
        return previous + 100.0

    def wait_fd(self) -> None:
        return None


def test_a_session_follows_the_detected_speed_and_keeps_the_sources_clock_and_counts():
    from linky_exporter.simulator import generate
    from linky_exporter.sources.autodetect import ModeDetector
    from linky_exporter.sources.session import LineSession
    from linky_exporter.tic.framing import DecoderStats, FrameResult

    line = _TwoSpeedLine(generate("simulated://standard?seed=2&start=2024-01-15T12:00", 3))
    totals = DecoderStats(bytes=7, frames_valid=1)  # what an earlier session on the source counted
    session = LineSession(line, ModeDetector(None, time.monotonic()), pause=lambda _: None, clock=50.0, stats=totals)
    valid = switched = read = 0
    for _ in range(20):
        chunk = session.read()
        switched += chunk.switched
        read += len(chunk.data)
        valid += sum(frame.result is FrameResult.VALID for frame in chunk.frames)
    # The decoder made at the change of speed counts on into the source's totals.
    assert session.decoder.stats is totals and totals.bytes == 7 + read and totals.frames_valid == 1 + valid
    assert line.baudrate == 9600 and switched == 1
    assert valid >= 2 and session.framed
    assert session.clock == 50.0 + 20 * 100.0  # the line's clock, carried over from 50 s


def test_only_a_simulated_source_loads_the_simulator():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from linky_exporter.sources.spec import parse_source\n"
        "spec = parse_source('/dev/ttyUSB0'); spec.likely_mode\n"
        "print('linky_exporter.simulator' in sys.modules)\n"
        "spec = parse_source('simulated://historique')\n"
        "print(spec.likely_mode, 'linky_exporter.simulator' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "historique", "True"]
