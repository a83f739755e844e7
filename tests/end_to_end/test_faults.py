"""Faults a Pi meets over the years, each recovered without a restart (issue 8's short form).

Unplug/replug and ser2net restarts are in test_acceptance.py; benchmarks/faults.py
measures the recovery times published in docs/reliability.md.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time

import pytest

from linky_exporter.meter import MeterState
from linky_exporter.meter.reader import MeterReader
from linky_exporter.meter.reading_loop import ReadingLoop
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.sources.spec import parse_source

from ..support.captures import fixture_path
from ..support.exporter_process import Exporter, TcpLine, free_port, loopback_address, wait_for

HIST = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic")


@pytest.mark.slow
def test_a_source_that_never_answers_keeps_the_meter_down_and_nothing_else():
    line = TcpLine()
    try:
        with Exporter("--tic.source", line.url, "--tic.stale-after", "2s") as exporter:
            wait_for(line.connected, what="the connection")
            metrics = exporter.scrape()
            assert metrics[("linky_exporter_source_connected", (("meter", "linky"),))] == 1
            assert metrics[("linky_up", (("meter", "linky"),))] == 0
            assert exporter.get("/-/ready")[0] == 200  # open, just silent
            line.write(HIST.read_bytes())
            wait_for(lambda: exporter.value("linky_up") == 1, what="frames once it speaks")
    finally:
        line.stop()


@pytest.mark.slow
def test_a_server_not_listening_yet_is_waited_for():
    host, port = loopback_address(), free_port()
    with Exporter("--tic.source", f"socket://{host}:{port}") as exporter:
        assert exporter.get("/-/ready")[0] == 503
        line = TcpLine(port, host)
        try:
            wait_for(line.connected, what="the connection once the server is up")
            line.write(HIST.read_bytes())
            wait_for(lambda: exporter.value("linky_up") == 1, what="frames")
            assert exporter.get("/-/ready")[0] == 200
        finally:
            line.stop()


def flaky_opener(failures: list[OSError]):
    """Fails with each error in turn (a busy device, no permission), then opens the capture."""

    def opener(spec, baudrate):
        if failures:
            raise failures.pop(0)
        return CaptureFile(spec.url)

    return opener


def test_busy_device_and_missing_permission_are_retried_until_they_clear(caplog, monkeypatch):
    monkeypatch.setattr("linky_exporter.meter.reader.BACKOFF_MAX_S", 0.05)
    failures = [OSError(errno.EBUSY, os.strerror(errno.EBUSY))] * 3 + [PermissionError(errno.EACCES, os.strerror(errno.EACCES))] * 3
    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(f"file://{HIST}?pace=fast"), state, None, opener=flaky_opener(failures))
    loop = ReadingLoop([reader], stop)
    loop.start()
    try:
        wait_for(lambda: state.snapshot.frames["valid"] == 10, what="frames after the faults cleared")
    finally:
        stop.set()
        loop.join(5)
    # One line per change of problem, not one per retry.
    assert caplog.text.count("Device or resource busy") == 1
    assert caplog.text.count("Permission denied") == 1


def test_logs_that_cannot_be_written_do_not_stop_the_exporter():
    port = free_port()
    with open("/dev/full", "w") as full:
        process = subprocess.Popen(
            [sys.executable, "-m", "linky_exporter.cli", "--tic.source", f"file://{HIST}?pace=fast",
             "--web.listen-address", f"127.0.0.1:{port}", "--log.level", "debug"],
            stdout=full, stderr=full,
        )
    probe = Exporter(port=port)
    try:
        wait_for(lambda: probe.get("/metrics")[0] == 200 and probe.value("linky_exporter_frames_total", result="valid") == 10,
                 what="metrics with a full disk for logs")
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(10)


def quiet_fd_count(folder: str) -> int:
    """Open descriptors, leaving out a scrape's connection that happens to be open."""
    counts = []
    for _ in range(10):
        counts.append(len(os.listdir(folder)))
        time.sleep(0.05)
    return min(counts)


@pytest.mark.slow
def test_reconnections_leak_no_file_descriptor():
    line = TcpLine()
    try:
        with Exporter("--tic.source", line.url) as exporter:
            fds = f"/proc/{exporter.process.pid}/fd"
            wait_for(line.connected, what="the first connection")
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 1, what="connected")
            baseline = quiet_fd_count(fds)
            for round_ in range(1, 6):
                line.stop()
                wait_for(lambda: exporter.value("linky_exporter_source_connected") == 0, what="the disconnection")
                line.start()
                wait_for(lambda: exporter.value("linky_exporter_source_reconnects_total") >= round_ and exporter.value("linky_exporter_source_connected") == 1, what=f"reconnection {round_}")
            # A leak would add one descriptor per reconnection: five here.
            assert quiet_fd_count(fds) <= baseline
    finally:
        line.stop()


@pytest.mark.slow
def test_a_line_that_goes_silent_on_an_open_connection_is_opened_again():
    # A ser2net host that lost power: the TCP connection looks open and gives nothing.
    from linky_exporter.sources.serial_line import SILENCE_REOPEN_S

    line = TcpLine()
    frames = HIST.read_bytes()
    try:
        with Exporter("--tic.source", line.url) as exporter:
            wait_for(line.connected, what="the connection")
            line.write(frames)
            wait_for(lambda: exporter.value("linky_up") == 1, what="frames")
            silent_at = time.monotonic()
            wait_for(lambda: line.connected() >= 2, timeout=SILENCE_REOPEN_S + 15, what="a new connection after the silence")
            assert time.monotonic() - silent_at >= SILENCE_REOPEN_S - 1
            assert exporter.value("linky_exporter_source_reconnects_total") == 1
            lines = [row for row in exporter.log().splitlines() if "silent for" in row]
            assert len(lines) == 1, exporter.log()
    finally:
        line.stop()
