"""The live page's data (exposition/live.py) and what it keeps (meter/history.py, meter/today.py)."""

from __future__ import annotations

import json
from datetime import datetime

from linky_exporter.config.settings import Prices
from linky_exporter.exposition.live import live_document
from linky_exporter.exposition.live_page import CONTENT_SECURITY_POLICY, live_page
from linky_exporter.meter import MeterState
from linky_exporter.meter.history import POINTS, STEP_S, PowerHistory
from linky_exporter.simulator.frames import Field, encode_frame
from linky_exporter.tic.framing import FrameDecoder, Mode
from linky_exporter.tic.horodate import PARIS
from linky_exporter.tic.interpret import read_frame

SERIAL = "041876097389"


def frame(hc_wh: int, hp_wh: int, va: int = 1200) -> bytes:
    return encode_frame([
        Field("ADSC", SERIAL), Field("VTIC", "02"), Field("NGTF", "H PLEINE/CREUSE "), Field("EAST", f"{hc_wh + hp_wh:09d}"),
        Field("EASF01", f"{hc_wh:09d}"), Field("EASF02", f"{hp_wh:09d}"), Field("PREF", "09"), Field("PCOUP", "09"),
        Field("SINSTS", f"{va:05d}"), Field("NTARF", "02"), Field("IRMS1", "005"), Field("URMS1", "231"),
    ], Mode.STANDARD)


def feed(state: MeterState, data: bytes, now: float) -> None:
    frames = FrameDecoder(stats=state.decoder_stats).feed(data)
    state.record_chunk([(f, read_frame(f)) for f in frames], clock=now, now=now)


def local(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).timestamp()


def test_today_runs_from_midnight_when_the_exporter_read_across_it_and_is_priced():
    state = MeterState("linky", stale_after=60)
    t = local("2026-03-28T23:58:00")
    hc = 1_000_000
    for i in range(20):  # 23:58:00 to 00:01:10, a frame every 10 s, 1 Wh each
        feed(state, frame(hc + i, 500_000), t + 10 * i)
    prices = {"linky": Prices(per_kwh={1: 0.2, 2: 0.3}, subscription_per_day=0.5)}
    today = live_document([state], prices, now=t + 190)["meters"][0]["today"]
    assert today["day"] == "2026-03-29" and today["complete"] and today["since"] == local("2026-03-29T00:00:00")
    # Values are exposed one frame late (the index guard): the baseline is the last of the day before.
    assert [(row["index"], row["wh"]) for row in today["by_index"]] == [(1, 8.0), (2, 0.0)]
    assert today["euros"] == round(8 / 1000 * 0.2 + 0.5, 4)


def test_today_says_since_when_the_exporter_started_after_midnight_and_no_price_means_no_cost():
    state = MeterState("linky", stale_after=60)
    t = local("2026-03-29T14:02:00")
    for i in range(3):
        feed(state, frame(1_000_000 + i, 500_000), t + 10 * i)
    today = live_document([state], None, now=t + 30)["meters"][0]["today"]
    assert not today["complete"] and today["since"] == t  # the exporter's first frame of the day
    assert today["euros"] is None and today["subscription_euros"] is None


def test_values_now_are_those_of_metrics_and_a_missing_one_is_null():
    state = MeterState("linky", stale_after=60)
    feed(state, frame(1000, 2000, va=4321), 1000.0)
    meter = live_document([state], now=1001.0)["meters"][0]
    assert meter["power"]["import"] == {"va": 4321.0, "w": None, "power_factor": None}
    assert meter["power"]["export"] is None
    assert meter["subscription"] == {"reference_va": 9000.0, "cutoff_va": 9000.0, "current_a_per_phase": 45.0,
                                     "headroom_va": 9000.0 - 4321, "exceeded": None, "breaker": None}
    assert meter["phase"] == [{"phase": 1, "current_a": 5.0, "voltage_v": 231.0, "va": None}]
    assert meter["tariff"]["index"] == 2
    later = live_document([state], now=1000.0 + 61)["meters"][0]  # stale: nothing is said
    assert later["up"] is False and later["power"]["import"] is None


def test_the_curve_keeps_24_hours_in_fixed_memory_and_leaves_gaps_empty():
    history = PowerHistory()
    start = 1_000_000 * STEP_S
    for minute in range(3 * POINTS):  # three days, one frame a minute, skipping every 10th minute
        if minute % 10:
            history.record(start + minute * STEP_S, float(minute), None, None)
    now = start + (3 * POINTS - 1) * STEP_S
    points = history.points(now)
    values = points["import_va"]
    assert len(values) <= POINTS and points["start"] == now - (len(values) - 1) * STEP_S >= now - (POINTS - 1) * STEP_S
    assert values[-1] == 3 * POINTS - 1 and values[-10] is None  # minute 4310 was skipped
    assert sum(v is not None for v in values) == sum(1 for m in range(2 * POINTS, 3 * POINTS) if m % 10)
    assert points["export_va"] is None and points["import_w"] is None


def test_a_fresh_meter_sends_a_short_curve():
    history = PowerHistory()
    history.record(600.0, 100.0, None, 90.0)
    history.record(650.0, 200.0, None, None)
    # From the first minute with a value to the current one (still empty).
    assert history.points(700.0) == {"step_s": 60, "start": 600, "import_va": [150, None], "export_va": None, "import_w": [90, None]}


def test_the_page_allows_only_its_own_script_and_style():
    page = live_page([MeterState("linky", stale_after=60)], "/metrics", now=0.0)
    assert " src=" not in page and "https://" not in page
    assert page.count("http://") == page.count("http://www.w3.org/2000/svg")  # a namespace, not a request
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert CONTENT_SECURITY_POLICY.count("sha256-") == 2
    json.dumps(live_document([MeterState("linky", stale_after=60)], now=0.0))  # a meter never read is a valid document
