"""probe's diagnosis: each situation gets the verdict a householder can act on."""

from __future__ import annotations

from linky_exporter.sources.probe import Heard, diagnose, listen
from linky_exporter.sources.replay import CaptureFile
from linky_exporter.tic.framing import Mode

from ..support.captures import fixture_path


def heard(mode: Mode, **counts) -> Heard:
    h = Heard(mode, seconds=6.0)
    for key, value in counts.items():
        setattr(h, key, value)
    return h


def test_no_signal_at_all():
    verdict = diagnose([heard(Mode.HISTORIQUE), heard(Mode.STANDARD)])
    assert not verdict.ok
    assert "no signal" in verdict.headline
    assert any("I1 and I2" in a for a in verdict.advice)


def test_garbage_at_both_speeds_points_at_parity_and_slow_dongles():
    verdict = diagnose([heard(Mode.HISTORIQUE, bytes=700, groups_bad=3), heard(Mode.STANDARD, bytes=900)])
    assert not verdict.ok
    assert "no valid frame" in verdict.headline
    assert any("parity" in a for a in verdict.advice) and any("9600" in a for a in verdict.advice)


def test_a_good_line_reports_mode_rate_and_errors():
    good = heard(Mode.STANDARD, bytes=6000, frames_valid=6, groups_valid=240, modes_seen=[Mode.STANDARD] * 6)
    verdict = diagnose([heard(Mode.HISTORIQUE, bytes=700), good])
    assert verdict.ok and verdict.mode is Mode.STANDARD
    assert "standard" in verdict.headline
    assert any("1.00 valid frames per second" in f for f in verdict.facts)
    assert verdict.advice == []


def test_error_bursts_are_told_apart_from_steady_errors():
    bursts = heard(Mode.HISTORIQUE, bytes=900, frames_valid=4, groups_valid=100, groups_bad=8,
                   modes_seen=[Mode.HISTORIQUE] * 4, error_seconds=[2.1] * 5 + [2.7] * 3)
    verdict = diagnose([bursts])
    assert verdict.ok and any("bursts" in a for a in verdict.advice)
    steady = heard(Mode.HISTORIQUE, bytes=900, frames_valid=4, groups_valid=100, groups_bad=8,
                   modes_seen=[Mode.HISTORIQUE] * 4, error_seconds=[0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 1.2, 3.3])
    assert any("steady" in a for a in diagnose([steady]).advice)


def test_too_many_errors_is_a_problem():
    noisy = heard(Mode.HISTORIQUE, bytes=900, frames_valid=3, groups_valid=40, groups_bad=20, modes_seen=[Mode.HISTORIQUE] * 3)
    verdict = diagnose([noisy])
    assert not verdict.ok and "33%" in verdict.headline


def test_mode_change_during_the_probe():
    changed = heard(Mode.STANDARD, bytes=5000, frames_valid=5, groups_valid=200, modes_seen=[Mode.HISTORIQUE, Mode.STANDARD])
    verdict = diagnose([changed])
    assert "changed mode" in verdict.headline and verdict.mode is Mode.STANDARD


def test_listen_counts_a_real_capture_with_its_meter_facts():
    line = CaptureFile(f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast&loop=1")
    result = listen(line, Mode.HISTORIQUE, 0.3)
    assert result.frames_valid > 10 and result.groups_bad == 0
    verdict = diagnose([result])
    assert verdict.ok
    assert "meter serial: 021861348497" in verdict.facts and "contract: TEMPO" in verdict.facts
