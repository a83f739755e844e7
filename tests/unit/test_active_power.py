"""Active power from the register's steps: exact values on synthetic step timings, then the meter state.

The synthetic meter below draws ``va`` volt-amperes at power factor ``pf``
between whole seconds and frames arrive every second: its register is
``floor(wh0 + P t / 3600)`` with P = pf x va, so every step falls on a frame and
the fit is exact.
"""

from __future__ import annotations

import math

import pytest

from linky_exporter.meter import MeterState
from linky_exporter.meter.active_power import ActivePower, MeterPower
from linky_exporter.metrics.samples import power_samples
from linky_exporter.simulator import Transmitter, parse_url
from linky_exporter.tic.framing import FrameDecoder, FrameResult, checksum
from linky_exporter.tic.interpret import read_frame

WATTS = ("linky_active_power_watts", ("import",))
RATIO = ("linky_power_factor_ratio", ("import",))


class Synthetic:
    """A meter that frames every second; the load can change between frames."""

    def __init__(self, estimator: ActivePower, wh0: float = 1000.0):
        self.estimator = estimator
        self.t = 0
        self.energy_wh = wh0
        self.estimator.frame(0.0, None)

    def run(self, seconds: int, va: float | None, pf: float = 1.0, watts: float | None = None) -> list:
        """``seconds`` frames; returns the estimate after each (watts given directly when va is None)."""
        out = []
        power = pf * va if va is not None else watts
        for _ in range(seconds):
            self.t += 1
            self.energy_wh += power / 3600.0
            self.estimator.frame(float(self.t), va)
            self.estimator.energy(float(self.t), math.floor(self.energy_wh + 1e-9))
            out.append(self.estimator.estimate())
        return out


def watts(estimate) -> float | None:
    return None if estimate is None else estimate.watts


def test_steady_load_appears_after_three_steps_with_its_exact_power_and_factor():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 400.0)  # first frame with its VA (replaces the one without)
    estimates = meter.run(40, va=400.0, pf=0.9)  # 360 W: a step every 10 s, at t = 10, 20, 30
    assert [watts(e) for e in estimates[:29]] == [None] * 29  # two steps are not enough
    assert estimates[29].watts == pytest.approx(360.0, rel=1e-9)
    assert estimates[29].power_factor == pytest.approx(0.9, rel=1e-9)
    assert estimates[39].watts == pytest.approx(360.0, rel=1e-9)


def test_without_a_step_for_t_seconds_the_power_never_exceeds_one_watt_hour_per_t():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 400.0)
    meter.run(30, va=400.0, pf=0.9)  # ready at t = 30 (last step)
    # The register stops (the meter still shows 400 VA): 20 s later, at most 3600 / 20 = 180 W.
    estimates = meter.run(20, va=400.0, pf=0.0)
    assert estimates[9].watts == pytest.approx(360.0, rel=1e-9)  # 10 s: the cap is 360 W
    assert estimates[19].watts == pytest.approx(180.0, rel=1e-9)
    assert meter.run(40, va=400.0, pf=0.0)[-1].watts == pytest.approx(60.0, rel=1e-9)  # 60 s: 60 W


def test_a_step_up_at_the_same_power_factor_is_followed_from_the_next_frame():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 400.0)
    meter.run(60, va=400.0, pf=0.9)
    after = meter.run(30, va=1000.0, pf=0.9)
    assert after[0].watts == pytest.approx(900.0, rel=1e-9)
    assert all(e.watts == pytest.approx(900.0, rel=1e-9) for e in after)


def test_a_step_down_to_another_power_factor_is_followed_within_three_register_steps():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 1000.0)
    meter.run(60, va=1000.0, pf=0.9)  # 900 W: the register shows 1015 at t = 60
    # From t = 61, 200 VA at 0.5: 100 W, steps at t = 96, 132, 168. Until the new
    # load's own three steps, the old power factor stands in (180 W), capped at
    # 1 Wh / time since the last step.
    after = meter.run(120, va=200.0, pf=0.5)
    assert after[0].watts == pytest.approx(180.0, rel=1e-9)
    assert after[0].power_factor == pytest.approx(0.9, rel=1e-9)
    assert after[166 - 61].watts == pytest.approx(3600 / (166 - 132), rel=1e-9)  # the cap
    assert after[168 - 61].watts == pytest.approx(100.0, rel=1e-9)  # the third step
    assert after[168 - 61].power_factor == pytest.approx(0.5, rel=1e-9)
    assert after[-1].watts == pytest.approx(100.0, rel=1e-9)


def test_a_remembered_power_factor_is_used_when_the_same_load_comes_back():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 1000.0)
    meter.run(60, va=1000.0, pf=0.9)
    meter.run(200, va=200.0, pf=0.5)  # fitted 0.5 at 200 VA
    meter.run(60, va=1000.0, pf=0.9)
    back = meter.run(1, va=200.0, pf=0.5)
    assert back[0].power_factor == pytest.approx(0.5, rel=1e-9)
    assert back[0].watts == pytest.approx(100.0, rel=1e-9)


def test_a_silence_of_more_than_ten_seconds_starts_again():
    meter = Synthetic(ActivePower())
    meter.estimator.frame(0.0, 400.0)
    assert meter.run(40, va=400.0, pf=0.9)[-1] is not None
    meter.t += 11  # no frame for 11 s
    after = meter.run(25, va=400.0, pf=0.9)
    assert all(e is None for e in after)  # two new steps only


def test_a_rejected_value_or_a_reset_forgets_everything():
    power = MeterPower()
    t, wh = 0.0, 1000
    for second in range(60):
        t = float(second)
        wh = 1000 + second // 10
        power.observe("import", t, 400.0, (t, wh), rejected=False)
    assert power_samples(power.estimates())[WATTS] == pytest.approx(360.0, rel=1e-9)
    power.observe("import", 60.0, 400.0, (60.0, 1006), rejected=True)
    assert power_samples(power.estimates()) == {}
    for second in range(61, 70):
        power.observe("import", float(second), 400.0, (float(second), 1006), rejected=False)
    assert power_samples(power.estimates()) == {}
    power.reset()
    assert power_samples(power.estimates()) == {}


def test_without_apparent_power_the_slope_is_watts_and_no_power_factor_is_shown():
    meter = Synthetic(ActivePower())
    estimates = meter.run(40, va=None, watts=360.0)
    assert estimates[29].watts == pytest.approx(360.0, rel=1e-9)
    assert estimates[29].power_factor is None


# -- through the meter state, with the simulator's frames -------------------------------


def feed(state: MeterState, transmitter: Transmitter, count: int, damage=None) -> list[dict]:
    seen = []
    for n in range(count):
        emission = transmitter.next_emission()
        data = damage(n, emission.data) if damage else emission.data
        now = emission.sim_ms / 1000
        frames = FrameDecoder(stats=state.decoder_stats).feed(data)
        state.record_chunk([(f, read_frame(f) if f.result is FrameResult.VALID else None) for f in frames], clock=now, now=now)
        seen.append(state.snapshot.fresh_samples(now))
    return seen


def fixed(watts: int, pf: float) -> Transmitter:
    return Transmitter(parse_url(f"simulated://standard?scenario=fixed_load&watts={watts}&pf={pf}&start=2024-01-10T12:00"))


def test_the_meter_state_exposes_the_truth_within_a_percent_and_forgets_it_on_reconnect_and_mode_switch():
    state = MeterState("linky", stale_after=30)
    transmitter = fixed(1800, 0.9)  # 0.5 Wh a second: a step every frame or two
    seen = feed(state, transmitter, 90)
    assert seen[-1][WATTS] == pytest.approx(1800, rel=0.01)
    assert seen[-1][RATIO] == pytest.approx(0.9, rel=0.01)
    state.record_reconnect()
    assert WATTS not in state.snapshot.fresh_samples(transmitter.meter.now_ms / 1000)
    assert WATTS not in feed(state, transmitter, 2)[-1]  # starts again from nothing
    assert WATTS in feed(state, transmitter, 30)[-1]
    state.record_mode_detected("standard")
    assert WATTS not in state.snapshot.fresh_samples(transmitter.meter.now_ms / 1000)


def test_a_corrupted_energy_index_is_never_part_of_an_estimate():
    state = MeterState("linky", stale_after=30)

    def spike(n: int, data: bytes) -> bytes:
        if n != 40:
            return data
        start = data.index(b"\nEAST\t")
        end = data.index(b"\r", start)
        payload = b"EAST\t" + b"%09d" % 999_999_999 + b"\t"
        return data[:start] + b"\n" + payload + bytes([checksum(payload)]) + data[end:]

    seen = feed(state, fixed(1800, 0.9), 150, spike)
    assert WATTS in seen[39]
    assert all(WATTS not in s for s in seen[40:42])  # forgotten at the rejected value
    assert state.snapshot.groups["rejected_value"] >= 1
    assert seen[-1][WATTS] == pytest.approx(1800, rel=0.02)


def test_the_landing_page_shows_watts_next_to_volt_amperes():
    from linky_exporter.exposition.live_page import live_page as landing_page

    state = MeterState("linky", stale_after=30)
    transmitter = fixed(1800, 0.9)
    feed(state, transmitter, 90)
    page = landing_page([state], "/metrics", now=transmitter.meter.now_ms / 1000)
    assert "<th>active power</th><th>apparent power</th>" in page
    assert "<td>2000 VA</td>" in page
    watts = int(page.split(" W</td>")[0].rsplit("<td>", 1)[1])
    assert abs(watts - 1800) <= 18


def test_a_meter_silent_past_stale_after_starts_from_nothing():
    state = MeterState("linky", stale_after=30)
    transmitter = fixed(1800, 0.9)
    assert WATTS in feed(state, transmitter, 60)[-1]
    silent_until = transmitter.meter.now_ms + 40_000
    while transmitter.meter.now_ms < silent_until:
        transmitter.next_emission()  # frames lost: the line is silent for 40 s
    after = feed(state, transmitter, 3)
    assert all(WATTS not in seen for seen in after)
    assert WATTS in feed(state, transmitter, 60)[-1]
