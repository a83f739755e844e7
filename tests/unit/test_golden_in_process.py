"""The golden /metrics files, rendered in this process from the same captures.

tests/end_to_end/test_acceptance.py compares the real command, fed through a pty and a
socket, with tests/golden/*.prom. Here the same streams go through the decoder, read_frame,
MeterState and LinkyCollector in the test process, and the text prometheus_client renders
must match the same files, volatile series left out the same way: a change of the
exposition shows here in a fraction of a second, and a difference between the two tests
points at what lies between the collector and a scraper (the reader's thread, its line, HTTP).
"""

from __future__ import annotations

import pytest

from ..support.golden_exposition import GOLDEN, LAYOUTS, in_process_exposition, stable_exposition


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_collector_in_process_renders_the_golden_file(layout):
    golden = GOLDEN / f"{layout}.prom"
    assert golden.is_file(), f"no golden file {golden}: run scripts/regenerate goldens"
    text = in_process_exposition(layout)
    assert "linky_up{" in text and "linky_exporter_build_info{" in text  # the volatile series are there, then left out
    assert stable_exposition(text) == golden.read_text(), f"the in-process exposition differs from {golden}"
