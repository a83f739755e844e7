"""tests/support/temp_leftovers.py: which new entries of the temporary directory a session left."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..support.temp_leftovers import TAG_VARIABLE, leftovers, listing, session_tag

TAG = "s0a1b2c"


def test_new_entries_tagged_by_the_session_are_reported_and_nothing_else(tmp_path):
    folder = tmp_path / "tmp"
    folder.mkdir()
    (folder / f"linky-exporter-{TAG}-old.log").touch()
    before = listing(folder)
    for name in (f"linky-exporter-{TAG}-k8icxbqg.log", f"tmp-{TAG}-x3ab9zq1",  # ours
                 "linky-exporter-2r1v23pf.log", "linky-exporter-s9f9f9f-1234abcd.log",  # another checkout's suite
                 "tmpyb1vd513", "tmp.irBOFMPmwD", "pytest-of-root", f"other-{TAG}-x"):  # other processes
        (folder / name).touch()
    (folder / f"linky-{TAG}-basetemp").mkdir()
    found = leftovers(before, folder / f"linky-{TAG}-basetemp" / "popen-gw0", TAG, folder)
    assert found == [f"linky-exporter-{TAG}-k8icxbqg.log", f"tmp-{TAG}-x3ab9zq1"]


def test_without_a_tag_nothing_is_ours(tmp_path):
    (tmp_path / "linky-exporter-2r1v23pf.log").touch()
    assert leftovers(set(), tmp_path / "basetemp", "", tmp_path) == []


def test_the_session_and_its_default_temporary_names_are_tagged():
    """pytest_configure of tests/conftest.py tagged this process (a worker inherits the controller's tag)."""
    assert session_tag().startswith("s") and os.environ[TAG_VARIABLE] == session_tag()
    with tempfile.NamedTemporaryFile() as file:
        assert Path(file.name).name.startswith(f"tmp-{session_tag()}-")
