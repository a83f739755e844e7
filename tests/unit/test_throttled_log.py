"""What a source can repeat at will reaches the log once a minute at most (meter/throttled_log.py)."""

from __future__ import annotations

import logging

from linky_exporter.meter import MeterState
from linky_exporter.meter.identity import UNKNOWN_LABELS_KEPT
from linky_exporter.meter.throttled_log import ThrottledLog
from linky_exporter.simulator.frames import Field, encode_frame
from linky_exporter.tic.framing import FrameDecoder, Mode
from linky_exporter.tic.interpret import read_frame


def test_first_line_at_once_then_one_a_minute_saying_how_many_were_held(caplog):
    now = [0.0]
    throttled = ThrottledLog(logging.getLogger("test.throttled"), every_s=60, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="test.throttled"):
        for second in range(0, 150):
            now[0] = float(second)
            throttled.log(logging.INFO, "line %d", second)
    assert [r.getMessage() for r in caplog.records] == [
        "line 0",
        "line 60 (59 more such lines held back since the last one)",
        "line 120 (59 more such lines held back since the last one)",
    ]


def _frame(*fields: Field) -> bytes:
    return encode_frame([Field("ADSC", "041876097389"), Field("VTIC", "02"), *fields], Mode.STANDARD)


def _feed(state: MeterState, data: bytes, now: float) -> None:
    frames = FrameDecoder(stats=state.decoder_stats).feed(data)
    state.record_chunk([(f, read_frame(f)) for f in frames], clock=now, now=now)


def test_a_flood_of_new_unknown_labels_is_remembered_and_logged_within_bounds(caplog):
    state = MeterState("linky", stale_after=30)
    with caplog.at_level(logging.INFO, logger="linky_exporter.meter"):
        for i in range(2000):
            _feed(state, _frame(Field(f"X{i:07d}" + "Y" * 200, "1")), now=1000.0 + i / 100)
    lines = [r.getMessage() for r in caplog.records if "unknown to this exporter" in r.getMessage()]
    assert len(lines) == 1 and len(lines[0]) < 300, lines
    assert len(state._identity._unknown_seen) == UNKNOWN_LABELS_KEPT


def test_new_unknown_labels_of_one_frame_share_one_line(caplog):
    state = MeterState("linky", stale_after=30)
    with caplog.at_level(logging.INFO, logger="linky_exporter.meter"):
        _feed(state, _frame(Field("NEWA", "1"), Field("NEWB", "2")), now=1000.0)
        _feed(state, _frame(Field("NEWA", "1"), Field("NEWB", "2")), now=1001.0)
    lines = [r.getMessage() for r in caplog.records if "unknown to this exporter" in r.getMessage()]
    assert lines == ["meter linky sends labels 'NEWA', 'NEWB', unknown to this exporter: kept out of the metrics"]


def test_a_source_that_alternates_serials_logs_the_change_once_a_minute(caplog):
    state = MeterState("linky", stale_after=30)
    frames = [encode_frame([Field("ADSC", serial), Field("VTIC", "02")], Mode.STANDARD)
              for serial in ("041876097389", "041876097390")]
    with caplog.at_level(logging.WARNING, logger="linky_exporter.meter"):
        for i in range(300):
            # Each serial for a few frames in a row: enough to be believed each time.
            _feed(state, frames[(i // 5) % 2], now=1000.0 + i)
    lines = [r.getMessage() for r in caplog.records if "serial changed" in r.getMessage()]
    assert len(lines) == 1 and state._serial_log._held >= 50, (lines, state._serial_log._held)
