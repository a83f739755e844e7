"""The energy index guard: no spike, no false reset, and a real change of meter followed."""

from __future__ import annotations

from linky_exporter.tic.index_guard import IndexGuard

MAX_VA = 9000.0  # PCOUP 09: at most 2.5 Wh per second, 3.75 Wh with the margin


def feed(guard: IndexGuard, values: list[int], step_s: float = 1.0) -> list[int | None]:
    return [guard.update(v, i * step_s, MAX_VA) for i, v in enumerate(values)]


def test_first_value_waits_for_a_second_frame_that_agrees():
    guard = IndexGuard()
    assert feed(guard, [1000, 1001, 1002]) == [None, 1000, 1001]


def test_steady_growth_is_passed_on_one_frame_late():
    guard = IndexGuard()
    values = list(range(1000, 1010))
    assert feed(guard, values)[1:] == values[:-1]
    assert guard.rejected == 0


def test_a_corrupted_high_value_is_never_exposed():
    guard = IndexGuard()
    exposed = feed(guard, [1000, 1001, 1002, 1903, 1003, 1004, 1005])
    assert 1903 not in exposed
    assert max(x for x in exposed if x is not None) == 1004
    assert guard.rejected == 1


def test_a_small_upward_corruption_within_the_allowance_is_still_never_exposed():
    guard = IndexGuard()
    exposed = feed(guard, [1000, 1001, 1002, 1009, 1003, 1004, 1005])
    assert 1009 not in exposed
    assert guard.rejected == 1


def test_a_corrupted_low_value_is_never_exposed_and_no_reset_is_seen():
    guard = IndexGuard()
    exposed = [x for x in feed(guard, [5000, 5001, 5002, 0, 5003, 5004]) if x is not None]
    assert exposed == sorted(exposed)
    assert 0 not in exposed


def test_exposed_values_never_decrease_under_alternating_noise():
    guard = IndexGuard()
    values = []
    for i in range(200):
        values.append(10_000 + i)
        if i % 7 == 3:
            values.append(10_000 + i + (5000 if i % 2 else -5000))
    exposed = [x for x in feed(guard, values) if x is not None]
    assert exposed == sorted(exposed)
    assert max(exposed) <= 10_199


def test_growth_after_a_long_gap_is_accepted():
    guard = IndexGuard()
    guard.update(1000, 0, MAX_VA)
    guard.update(1001, 1, MAX_VA)
    # An hour without frames (unplugged dongle) at 2 kW: 2000 Wh more.
    guard.update(3001, 3601, MAX_VA)
    assert guard.update(3002, 3602, MAX_VA) == 3001


def test_a_rewind_then_a_jump_under_the_same_serial_is_refused_however_many_frames_agree():
    # A replaced meter has another serial (and new guards); under the same one, the
    # index never goes back and never grows faster than the power allows.
    guard = IndexGuard()
    values = [900_000, 900_001, 900_002, *range(1, 7), *[999_999_999] * 10]
    exposed = feed(guard, values)
    assert set(exposed[2:]) == {900_001}
    assert guard.rejected == 16


def test_a_series_that_agrees_is_reported_once_and_a_single_bad_read_is_not():
    guard = IndexGuard()
    feed(guard, [5000, 5001, 5002, 0, 5003])
    assert guard.discontinuity is None
    guard = IndexGuard()
    reported = []
    for i, wh in enumerate([5000, 5001, 5002, 10, 11, 12, 13, 14]):
        guard.update(wh, i, MAX_VA)
        reported.append(guard.discontinuity)
        guard.discontinuity = None
    assert [r for r in reported if r] == [(5001, 12)]


def test_the_true_series_is_followed_again_after_a_rewind():
    guard = IndexGuard()
    exposed = feed(guard, [5000, 5001, 10, 11, 12, 13, 5008, 5009, 5010])
    assert exposed[-1] == 5009 and 10 not in exposed


def test_values_too_fast_for_the_cutoff_power_are_rejected():
    guard = IndexGuard()
    feed(guard, [1000, 1001])
    # 100 Wh in one second is 360 kW: impossible at 9 kVA.
    assert guard.update(1101, 2, MAX_VA) == 1000
    assert guard.update(1102, 3, MAX_VA) == 1000
    assert guard.rejected >= 1
