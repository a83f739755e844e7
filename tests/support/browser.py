"""A real headless Chromium (Debian's ``chromium``), driven over the DevTools protocol.

Enough of the protocol for the live page's tests and screenshots: open a page,
evaluate an expression, set the viewport and the colour scheme, take a screenshot,
and list every URL the page asked for. The browser runs in a temporary profile
that is removed when it stops.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket  # websocket-client: the DevTools protocol speaks WebSocket

from .processes import stop, wait_for
from .promtools import free_port, require_binary


class Chromium:
    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="linky-chromium-"))
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                require_binary("chromium"), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio",
                f"--remote-debugging-port={self.port}", "--remote-debugging-address=127.0.0.1",
                f"--user-data-dir={self.profile}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Chromium makes a directory of its own in TMPDIR (org.chromium.Chromium.XXXXXX)
            # and leaves it there: in the profile, removed at close, /tmp is left as found.
            env={**os.environ, "TMPDIR": str(self.profile)},
            start_new_session=True,  # its helpers in a group of their own, stopped with it (close)
        )
        targets = wait_for(self._targets, timeout=30, what="chromium's DevTools endpoint")
        page = next(t for t in targets if t["type"] == "page")
        self.page = Page(page["webSocketDebuggerUrl"])

    def _targets(self) -> list[dict] | None:
        if self.process.poll() is not None:
            raise AssertionError(f"chromium exited with {self.process.returncode}")
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=2) as response:
            targets = json.load(response)
        return targets if any(t["type"] == "page" for t in targets) else None

    def close(self) -> None:
        try:
            self.page.close()
        finally:
            stop(self.process)
            # The network service outlives the browser by a moment and may still write its
            # state into the profile (a CI run under load left Default/.org.chromium.Chromium.
            # Network Persistent State.XXXXXX behind): the helpers go first, then the profile.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 2.0
            while self.profile.exists() and time.monotonic() < deadline:
                shutil.rmtree(self.profile, ignore_errors=True)
                time.sleep(0.05)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    def __init__(self, url: str) -> None:
        self._ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self._ids = itertools.count(1)
        self.requested: list[str] = []  # every URL the page asked for, in order
        self.console_errors: list[str] = []
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict:
        ident = next(self._ids)
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requested.append(params["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.console_errors.append(params["entry"]["text"])

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0, what: str = "") -> Any:
        """Evaluate ``expression`` until it is truthy (events are read meanwhile)."""
        return wait_for(lambda: self.evaluate(expression), timeout=timeout, interval=0.2, what=what or expression)

    def viewport(self, width: int, height: int, dark: bool = False) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=width < 600)
        self.send("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}])

    def screenshot(self, path: Path) -> None:
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        width = self.evaluate("document.documentElement.clientWidth")
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self._ws.close()
        except OSError:
            pass
