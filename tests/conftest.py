"""Fixtures shared by several test modules, and the session's check of the temporary directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support.promtools import WebhookReceiver
from .support.temp_leftovers import leftovers, listing, session_tag, shared_folder, shared_state, tag_session, tag_tempfile_names


def pytest_configure(config: pytest.Config) -> None:
    """Tag the session (before xdist starts its workers, which inherit the tag) and the
    names tempfile makes in this process, for the check below."""
    tag_tempfile_names(tag_session())


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """An HTTP receiver for Alertmanager's webhook notifications, on a free port."""
    receiver = WebhookReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture(scope="session", autouse=True)
def the_session_leaves_nothing_in_the_temporary_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fails the session when it added entries of its own to tempfile.gettempdir().

    Temporary files belong in tmp_path (pytest removes old ones) or must be removed by
    whoever made them. The session's entries are those whose names carry its tag; with
    xdist the first worker to start lists the directory and the last to finish checks it
    (tests/support/temp_leftovers.py).
    """
    shared = shared_folder(tmp_path_factory.getbasetemp())
    with shared_state(shared) as state:
        if state["running"] == 0:
            state["before"] = sorted(listing())
        state["running"] += 1
    yield
    with shared_state(shared) as state:
        state["running"] -= 1
        last, before = state["running"] == 0, set(state["before"])
    if last:
        left = leftovers(before, shared, session_tag())
        if left:
            pytest.fail(f"the tests left {len(left)} entries in the temporary directory: {', '.join(left)}", pytrace=False)
