"""One thread reads every meter: many meters cost no thread each, and no meter waits for another."""

from __future__ import annotations

import logging
import os
import threading
import time

from linky_exporter.meter import MeterState
from linky_exporter.meter.reader import MeterReader
from linky_exporter.meter.reading_loop import TICK_S, ReadingLoop
from linky_exporter.sources.opener import open_line
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.sources.spec import parse_source

from ..support.captures import fixture_path
from ..support.processes import wait_for

HISTORIQUE = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic")
STANDARD = fixture_path("std_mono_prod_linky__openhab_linky-tic-mode-standard-single-phase-prod.tic")


def _meters(names: list[str], url: str, opener=open_line) -> tuple[list[MeterReader], list[MeterState]]:
    states = [MeterState(name, stale_after=30) for name in names]
    readers = [MeterReader(parse_source(f"{state.meter}={url}"), state, None, opener=opener) for state in states]
    return readers, states


def _readers(count: int, url: str, prefix: str = "m") -> tuple[list[MeterReader], list[MeterState]]:
    return _meters([f"{prefix}{i}" for i in range(count)], url)


def test_sixteen_meters_are_read_by_one_thread():
    # Captures replayed at the line's pace and looping: live meters, as far as the loop can tell.
    readers, states = _readers(16, f"file://{STANDARD}?loop=1")
    readers_h, states_h = _readers(16, f"file://{HISTORIQUE}?loop=1", prefix="h")
    before = threading.active_count()
    loop = ReadingLoop(readers + readers_h)
    loop.start()
    try:
        wait_for(lambda: all(state.snapshot.frames["valid"] >= 2 for state in states + states_h), timeout=30,
                 what="two valid frames from each of the 32 meters")
        # The opening threads have all ended: one thread, the loop, reads the 32 meters.
        wait_for(lambda: threading.active_count() == before + 1, timeout=10, what="the opening threads to end")
    finally:
        loop.stop()
        loop.join(5)
    assert not loop.is_alive()


def test_a_source_that_hangs_while_opening_holds_no_other_meter_back():
    release = threading.Event()

    def opener(spec, baudrate):
        if spec.name == "stuck":
            release.wait(30)  # a TCP connect to a ser2net host that is down
        return open_line(spec, baudrate)

    readers, (stuck, live) = _meters(["stuck", "live"], f"file://{STANDARD}?loop=1", opener)
    loop = ReadingLoop(readers)
    loop.start()
    try:
        wait_for(lambda: live.snapshot.frames["valid"] >= 2, timeout=30, what="the live meter's frames")
        assert not readers[0].opened.is_set() and stuck.snapshot.frames["valid"] == 0
        release.set()
        wait_for(lambda: stuck.snapshot.frames["valid"] >= 1, timeout=30, what="the stuck meter's first frame, once open")
    finally:
        release.set()
        loop.stop()
        loop.join(5)


def test_a_capture_read_to_its_end_ends_the_loop_once_every_meter_has_ended():
    readers, states = _readers(3, f"file://{HISTORIQUE}?pace=fast")
    loop = ReadingLoop(readers)
    loop.start()
    loop.join(30)
    assert not loop.is_alive()
    assert all(reader.ended.is_set() for reader in readers)
    counts = {state.snapshot.frames["valid"] for state in states}
    assert len(counts) == 1 and counts.pop() > 0  # each meter read the whole capture


def test_stopping_closes_every_line_and_a_line_opened_too_late():
    opened: list[CaptureFile] = []
    hold = threading.Event()

    def opener(spec, baudrate):
        if spec.name == "late":
            hold.wait(30)
        opened.append(CaptureFile(spec.url))
        return opened[-1]

    readers, _ = _meters(["early", "late"], f"file://{HISTORIQUE}?loop=1", opener)
    fds_before = len(os.listdir("/proc/self/fd"))
    loop = ReadingLoop(readers)
    loop.start()
    wait_for(lambda: readers[0].opened.is_set(), timeout=10, what="the first line open")
    loop.stop()
    loop.join(5)
    assert not loop.is_alive()
    hold.set()  # the late line opens after the loop has ended: its opener closes it
    wait_for(lambda: len(opened) == 2 and not opened[1].is_open, timeout=10, what="the late line closed")
    assert not opened[0].is_open
    assert len(os.listdir("/proc/self/fd")) <= fds_before  # the wake-up pipe and the selector are closed too


class _LineThatHangsInClose(CaptureFile):
    """A line lost at once whose close() blocks, as pyserial's network lines sleep in theirs."""

    def __init__(self, url: str, release: threading.Event):
        super().__init__(url)
        self.release = release

    def read(self, size: int = 1) -> bytes:
        raise OSError("connection reset by peer")

    def close(self) -> None:
        self.release.wait(30)
        super().close()


def test_a_line_that_hangs_while_closing_holds_no_other_meter_back():
    release = threading.Event()
    hanging: list[_LineThatHangsInClose] = []

    def opener(spec, baudrate):
        if spec.name == "flapping":
            hanging.append(_LineThatHangsInClose(spec.url, release))
            return hanging[-1]
        return open_line(spec, baudrate)

    readers, (_, live) = _meters(["flapping", "live"], f"file://{STANDARD}?loop=1", opener)
    loop = ReadingLoop(readers)
    loop.start()
    try:
        wait_for(lambda: len(hanging) >= 2, timeout=30, what="the flapping line opened again while its first close hangs")
        wait_for(lambda: live.snapshot.frames["valid"] >= 2, timeout=30, what="the live meter's frames meanwhile")
        assert all(line.is_open for line in hanging)  # every close still hangs
    finally:
        release.set()
        loop.stop()
        loop.join(5)
    wait_for(lambda: all(not line.is_open for line in hanging), timeout=10, what="the hanging closes to end")


def test_paced_meters_share_the_loops_wake_ups_whatever_their_number():
    # Twelve meters whose frames end at their own moments (opened 70 ms apart, as
    # meters that started at different times): once their pace is known, the loop
    # wakes up at its ticks only, each wake-up reading every meter then due.
    def staggered(spec, baudrate):
        time.sleep(0.07 * int(spec.name[1:]))
        return CaptureFile(spec.url)

    readers, states = _meters([f"m{i}" for i in range(12)], f"file://{STANDARD}?loop=1", opener=staggered)
    wake_ups: list[float] = []
    loop = ReadingLoop(readers, after_reads=lambda: wake_ups.append(time.monotonic()))
    loop.start()
    try:
        wait_for(lambda: all(reader.paced for reader in readers), timeout=30, what="every meter's pace")
        started, before = time.monotonic(), [state.snapshot.frames["valid"] for state in states]
        wait_for(lambda: all(state.snapshot.frames["valid"] >= count + 3 for state, count in zip(states, before)),
                 timeout=30, what="three more frames from each meter")
        ended = time.monotonic()
    finally:
        loop.stop()
        loop.join(5)
    # A wake-up a frame and a meter would be 12 or more a second; the ticks allow 1 / TICK_S.
    during = [at for at in wake_ups if started <= at <= ended]
    assert len(during) <= (ended - started) / TICK_S + 2


def test_what_runs_after_the_reads_runs_on_the_loop_and_its_error_is_logged_once(caplog):
    """serve passes the renderer's refresh: a bug in it must stop no meter and log one line a
    minute at most (it would fail after every read)."""
    readers, states = _readers(2, f"file://{STANDARD}?loop=1")
    calls: list[threading.Thread] = []

    def after_reads() -> None:
        calls.append(threading.current_thread())
        raise RuntimeError("a bug after the reads")

    loop = ReadingLoop(readers, after_reads=after_reads)
    with caplog.at_level(logging.ERROR, logger="linky_exporter.meter.reading_loop"):
        loop.start()
        try:
            wait_for(lambda: all(state.snapshot.frames["valid"] >= 3 for state in states), timeout=30,
                     what="three valid frames from each meter")
        finally:
            loop.stop()
            loop.join(5)
    assert len(calls) >= 3 and set(calls) == {loop}
    errors = [record for record in caplog.records if "after the reads" in record.getMessage()]
    assert len(errors) == 1
    assert errors[0].exc_info is not None and "a bug after the reads" in caplog.text
