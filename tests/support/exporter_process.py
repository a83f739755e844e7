"""Running the real ``linky-exporter`` command in tests, and feeding it through ptys and sockets."""

from __future__ import annotations

import os
import random
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import tty
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from .processes import free_port, stop, wait_for
from .temp_leftovers import session_tag

Sample = tuple[str, tuple[tuple[str, str], ...]]


def parse_metrics(text: str) -> dict[Sample, float]:
    samples: dict[Sample, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


class Exporter:
    """``linky-exporter`` as a subprocess on a free port of 127.0.0.1."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, port: int | None = None, scheme: str = "http"):
        self.port = port or free_port()
        self.scheme = scheme
        self.args = [sys.executable, "-m", "linky_exporter.cli", *args, "--web.listen-address", f"127.0.0.1:{self.port}"]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None  # while it runs; removed when it stops
        self._final_log = ""  # the log read just before its file was removed

    def __enter__(self) -> Exporter:
        tag = session_tag()  # tells tests/conftest.py's check that the file is this session's
        prefix = f"linky-exporter-{tag}-" if tag else "linky-exporter-"
        self._log = tempfile.NamedTemporaryFile(prefix=prefix, suffix=".log", delete=False)
        self.log_path = Path(self._log.name)
        self._final_log = ""
        self.process = subprocess.Popen(self.args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_for(self._healthy, what=f"the exporter on port {self.port}")
        except AssertionError as error:
            self.__exit__()
            raise AssertionError(f"{error}; its log:\n{self.log()}") from None
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the process; its log stays readable through log() once its file is removed."""
        assert self.process is not None
        try:
            stop(self.process)
        finally:
            self._log.close()
            if self.log_path is not None:
                self._final_log = self.log()
                self.log_path.unlink(missing_ok=True)
                self.log_path = None

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"the exporter exited with {self.process.returncode}")
        # 401 too: with basic auth every path, health included, asks for credentials.
        return self.get("/-/healthy", context=_insecure())[0] in (200, 401)

    def log(self) -> str:
        """What the exporter wrote so far (or, once stopped, in all)."""
        if self.log_path is not None and self.log_path.exists():
            return self.log_path.read_text(errors="replace")
        return self._final_log

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url(path), headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def scrape(self, **kwargs) -> dict[Sample, float]:
        status, body = self.get("/metrics", **kwargs)
        assert status == 200, body
        return parse_metrics(body)

    def value(self, name: str, **labels: str) -> float | None:
        return self.scrape().get((name, tuple(sorted({"meter": "linky", **labels}.items()))))


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class PtyLine:
    """A pseudo-terminal standing for a serial device, reachable through a stable symlink.

    Closing it is an unplugged dongle; ``replug()`` creates a new pty behind the
    same path, as udev does for /dev/serial/by-id/... A pty passes bytes
    unchanged (it cannot do 7E1): the decoder clears bit 7 itself.
    """

    def __init__(self, link: Path):
        self.link = link
        self.master: int | None = None
        self.slave: int | None = None
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no CR->LF translation, no echo, before the reader opens it
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(self.slave))
        tmp.replace(self.link)

    def write(self, data: bytes, chunk: int = 4096) -> None:
        assert self.master is not None
        for i in range(0, len(data), chunk):
            os.write(self.master, data[i : i + chunk])

    def unplug(self) -> None:
        for fd in (self.master, self.slave):
            if fd is not None:
                os.close(fd)
        self.master = self.slave = None
        self.link.unlink(missing_ok=True)

    def replug(self) -> None:
        self.plug()

    def close(self) -> None:
        if self.master is not None:
            self.unplug()


def loopback_address() -> str:
    """A loopback address of a line's own (all of 127.0.0.0/8 is the loopback on Linux).

    On 127.0.0.1 a line could be reached by another test's exporter still connecting to
    a port that was free (a server not listening yet, a line stopped for a while): it
    counted as the line's connection, and what the test wrote went to that exporter,
    not to its own (a CI run waited 20 s for bytes that had gone elsewhere).
    """
    pick = random.SystemRandom().randint
    return f"127.{pick(1, 254)}.{pick(0, 255)}.{pick(1, 254)}"


class TcpLine:
    """A TCP server standing for ser2net: ``socket://HOST:PORT``, HOST a loopback address of
    its own (:func:`loopback_address`). Sends what is queued."""

    def __init__(self, port: int | None = None, host: str | None = None):
        self.host = host or loopback_address()
        self.port = port or 0  # 0: the system picks one at the first start, kept for the next ones
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        self.port = server.getsockname()[1]
        server.listen()
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            with self._lock:
                self._clients.append(client)

    def connected(self) -> int:
        with self._lock:
            return len(self._clients)

    def write(self, data: bytes) -> None:
        with self._lock:
            for client in self._clients:
                client.sendall(data)

    def stop(self) -> None:
        """ser2net going away: the listening socket and every connection close."""
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() thread; close() alone does not
            except OSError:
                pass
            self._server.close()
            self._server = None
