"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support.promtools import WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """An HTTP receiver for Alertmanager's webhook notifications, on a free port."""
    receiver = WebhookReceiver()
    try:
        yield receiver
    finally:
        receiver.stop()
