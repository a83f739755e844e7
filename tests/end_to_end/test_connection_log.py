"""Reconnection logs: each change of state once, and a source that keeps dropping gets a summary, not a flood."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time

import pytest

from linky_exporter.meter import MeterState
from linky_exporter.meter.reader import MeterReader
from linky_exporter.meter.reading_loop import ReadingLoop
from linky_exporter.sources.connection_log import ConnectionLog
from linky_exporter.sources.spec import parse_source

from ..support.exporter_process import Exporter, free_port, wait_for


class ResettingServer:
    """A ser2net gone wrong: accepts every connection, sends a few bytes, closes it after ``hold_s``."""

    def __init__(self, hold_s: float = 0.1):
        self.hold_s = hold_s
        self.accepted = 0
        self._server = socket.create_server(("127.0.0.1", free_port()))
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.accepted += 1
            with client:
                client.sendall(b"\x02\nADCO 012345678901 E\r\x03")
                time.sleep(self.hold_s)

    def close(self) -> None:
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name.startswith(("linky_exporter.sources", "linky_exporter.meter.reader"))]


def test_one_loss_and_recovery_is_two_lines(caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    connection = ConnectionLog("home", "socket://pi:2000", clock=clock, window_s=60)
    connection.opened()
    clock.now += 3600
    connection.lost("Connection reset by peer")
    for _ in range(5):
        connection.cannot_open("Connection refused")
    connection.opened()
    assert messages(caplog) == [
        "meter home: reading socket://pi:2000",
        "meter home: lost socket://pi:2000: Connection reset by peer; reconnecting",
        "meter home: cannot open socket://pi:2000: Connection refused; retrying",
        "meter home: reading socket://pi:2000",
    ]


def test_a_flapping_source_gets_one_summary_a_window_then_one_line_when_it_holds(caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    connection = ConnectionLog("home", "socket://pi:2000", clock=clock, window_s=60)
    connection.opened()
    for _ in range(400):  # every 0.6 s for 240 s: 800 lines before
        clock.now += 0.1
        connection.lost("socket disconnected")
        clock.now += 0.5
        connection.opened()
        connection.connected()
    lines = messages(caplog)
    assert lines[:3] == [
        "meter home: reading socket://pi:2000",
        "meter home: lost socket://pi:2000: socket disconnected; reconnecting",
        "meter home: reading socket://pi:2000",
    ]
    assert "it keeps dropping" in lines[3]
    summaries = [line for line in lines if "in the last" in line]
    assert len(summaries) == 3 and len(lines) == 7, lines
    counts = [int(re.search(r"reset (\d+) time", line)[1]) for line in summaries]
    assert all(99 <= count <= 101 for count in counts), summaries
    assert "still retrying (last error: socket disconnected)" in summaries[0]
    clock.now += 61
    connection.connected()
    assert "holds again" in messages(caplog)[-1]
    clock.now += 3600  # a loss long after: an ordinary loss again
    connection.lost("socket disconnected")
    assert messages(caplog)[-1].endswith("socket disconnected; reconnecting")


def test_a_flapping_source_that_stays_down_becomes_a_plain_outage(caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    connection = ConnectionLog("home", "/dev/ttyUSB0", clock=clock, window_s=60)
    connection.opened()
    for _ in range(2):
        clock.now += 1
        connection.lost("Input/output error")
        connection.opened()
    connection.lost("Input/output error")
    for _ in range(20):  # unplugged for good: a retry every 10 s
        clock.now += 10
        connection.cannot_open("No such file or directory")
    lines = messages(caplog)
    assert len(lines) == 6, lines
    assert "could not be opened" in lines[-1]
    connection.opened()
    assert messages(caplog)[-1] == "meter home: reading /dev/ttyUSB0"


@pytest.mark.slow
def test_a_real_resetting_server_gives_summaries_not_two_lines_per_reconnect(caplog, monkeypatch):
    monkeypatch.setattr("linky_exporter.sources.connection_log.WINDOW_S", 3.0)
    caplog.set_level(logging.INFO)
    server = ResettingServer()
    state = MeterState("linky", stale_after=30)
    stop = threading.Event()
    reader = MeterReader(parse_source(server.url), state, None)
    loop = ReadingLoop([reader], stop)
    started = time.monotonic()
    loop.start()
    try:
        wait_for(lambda: state.snapshot.reconnects >= 12, timeout=40, what="12 reconnections")
        wait_for(lambda: any("in the last" in line for line in messages(caplog)), timeout=10, what="a summary")
    finally:
        stop.set()
        loop.join(5)
        server.close()
    elapsed = time.monotonic() - started
    lines = [line for line in messages(caplog) if server.url in line]
    summaries = [line for line in lines if "in the last" in line]
    # reading, lost, reading, "keeps dropping", then one summary per 3 s window at most.
    assert len(lines) == 4 + len(summaries), lines
    assert 1 <= len(summaries) <= elapsed / 3 + 1, (elapsed, summaries)
    counted = sum(int(re.search(r"reset (\d+) time", line)[1]) for line in summaries)
    assert counted >= 2, summaries
    assert len(lines) < state.snapshot.reconnects, (state.snapshot.reconnects, lines)


@pytest.mark.slow
def test_the_exporter_logs_a_handful_of_lines_for_a_source_that_resets_all_the_time():
    server = ResettingServer()
    try:
        with Exporter("--tic.source", server.url) as exporter:
            wait_for(lambda: (exporter.value("linky_exporter_source_reconnects_total") or 0) >= 12, timeout=40, what="12 reconnections")
            lines = [line for line in exporter.log().splitlines() if server.url in line]
    finally:
        server.close()
    # Before: two lines per reconnection (24 here). Now: reading, lost, reading, "keeps dropping".
    assert len(lines) == 4, lines
    assert "it keeps dropping" in lines[-1]
