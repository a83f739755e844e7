"""The reader thread: it never ends because of the source, whatever the source does."""

from __future__ import annotations

import threading
import time

from linky_exporter.meter import MeterState
from linky_exporter.sources.reader import MeterReader
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.sources.spec import parse_source

from .captures import fixture_path

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast"


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_an_unexpected_error_in_the_source_is_logged_and_the_reader_goes_on(caplog, monkeypatch):
    monkeypatch.setattr("linky_exporter.sources.reader.BACKOFF_MAX_S", 0.05)
    calls = []

    def opener(spec, baudrate):
        calls.append(baudrate)
        if len(calls) == 1:
            raise RuntimeError("a bug in a source")
        return CaptureFile(spec.url)

    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(CAPTURE), state, None, opener=opener, stop=stop)
    reader.start()
    try:
        wait_for(lambda: state.snapshot.frames["valid"] == 10)
        assert "a bug in a source" in caplog.text
    finally:
        stop.set()
        reader.join(5)


def test_a_device_missing_at_start_is_retried_with_one_log_line(caplog, monkeypatch, tmp_path):
    monkeypatch.setattr("linky_exporter.sources.reader.BACKOFF_MAX_S", 0.05)
    missing = tmp_path / "ttyUSB9"
    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(str(missing)), state, None, stop=stop)
    reader.start()
    try:
        time.sleep(1.0)
        assert reader.is_alive() and not reader.opened.is_set()
        assert caplog.text.count("cannot open") == 1
    finally:
        stop.set()
        reader.join(5)
