"""What every test and benchmark that starts a process needs: a free port for it, waiting
for it without fixed sleeps, and stopping it.

The one copy of each: tests/support/exporter_process.py, tests/support/promtools.py and benchmarks/ import
them from here.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], T | None], timeout: float = 20.0, interval: float = 0.05, what: str = "condition") -> T:
    """Poll until ``condition()`` is truthy; return its value. Never a fixed sleep.

    A connection refused or reset while a process starts counts as "not yet". The
    deadline only bounds a wait for something that must happen; nothing is asserted
    about how long it took.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    last_error: OSError | None = None
    while True:
        try:
            last = condition()
            if last:
                return last
        except OSError as error:  # urllib's URLError and ConnectionError are OSErrors
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})"
                                 + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
