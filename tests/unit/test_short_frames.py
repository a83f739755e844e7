"""The historique three-phase over-current burst rule (linky_exporter/tic/short_frames.py)."""

from linky_exporter.tic.reading import Reading
from linky_exporter.tic.short_frames import BURST_FIELDS, BURST_HOLD_S, in_burst


def test_a_long_frame_soon_after_a_short_one_is_inside_the_burst():
    assert in_burst(False, last_short_at=100.0, now=100.0 + BURST_HOLD_S)
    assert not in_burst(False, last_short_at=100.0, now=100.1 + BURST_HOLD_S)
    assert not in_burst(False, last_short_at=float("-inf"), now=0.0)


def test_a_short_frame_is_never_held_it_speaks_for_itself():
    assert not in_burst(True, last_short_at=100.0, now=100.5)


def test_the_burst_fields_are_fields_of_a_reading():
    assert set(BURST_FIELDS) <= set(Reading.__dataclass_fields__)
