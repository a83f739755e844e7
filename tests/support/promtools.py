"""Run the real Prometheus tools in tests: binaries, free ports, Prometheus and
Alertmanager servers, a webhook receiver, API polling.

Everything listens on 127.0.0.1 on ports picked free at start (never the default
ports), keeps its data in the test's temporary directory, and is killed by the
fixture that started it. A missing binary is a test FAILURE, never a skip: the
Prometheus side of the project is only proven by the real tools.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .processes import free_port, stop, wait_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "prometheus"

T = TypeVar("T")


def require_binary(name: str) -> str:
    """Absolute path of a tool, or a failure naming the Debian package to install."""
    path = shutil.which(name)
    if path is None:
        package = {"amtool": "prometheus-alertmanager", "prometheus-alertmanager": "prometheus-alertmanager",
                   "victoria-metrics": "victoria-metrics", "vmagent": "victoria-metrics",
                   "vmalert": "victoria-metrics"}.get(name, "prometheus")
        pytest.fail(f"{name} not found on PATH: install the Debian package {package} (scripts/test does)")
    return path


def run_tool(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a tool to completion; fail with its output if it exits non-zero."""
    argv = [require_binary(str(args[0]))] + [str(a) for a in args[1:]]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def poll(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.2) -> T:
    """``wait_for`` at a pace that suits a query to a TSDB or Alertmanager's API."""
    return wait_for(probe, timeout=timeout, interval=interval, what=what)


def http_get_json(url: str, params: dict[str, str] | None = None) -> Any:
    """GET a JSON document; HTTP errors with a JSON body (the API's 4xx) are returned too."""
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return json.loads(body)
        except ValueError:
            raise AssertionError(f"GET {url}: HTTP {error.code}: {body[:200]!r}") from error


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class PrometheusServer:
    """A real `prometheus` process on a free port, configured from a text.

    agent=True starts it in agent mode (scrape and remote_write only);
    extra_flags are appended (e.g. --web.enable-remote-write-receiver).
    """

    def __init__(
        self,
        workdir: Path,
        config: str,
        *,
        agent: bool = False,
        extra_flags: tuple[str, ...] = (),
        port: int | None = None,
    ):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / ("agent.yml" if agent else "prometheus.yml")
        self.config_path.write_text(config)
        self.log_path = workdir / "prometheus.log"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            require_binary("prometheus"),
            f"--config.file={self.config_path}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=info",
        ]
        if agent:
            argv += ["--enable-feature=agent", f"--storage.agent.path={workdir / 'wal'}"]
        else:
            argv += [f"--storage.tsdb.path={workdir / 'data'}"]
        argv += list(extra_flags)
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, timeout: float = 30) -> PrometheusServer:
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"prometheus exited with {self.process.returncode}:\n{self.log_tail()}")
            return _answers(self.url + "/-/ready")

        poll(ready, timeout=timeout, what=f"prometheus ready on {self.url}")
        return self

    def api(self, path: str, **params: str) -> Any:
        return http_get_json(self.url + path, params or None)

    def query(self, expr: str) -> list[dict]:
        """Instant query; the result vector (fails on an API error)."""
        answer = self.api("/api/v1/query", query=expr)
        assert answer["status"] == "success", f"{expr!r}: {answer}"
        return answer["data"]["result"]

    def stop(self) -> None:
        stop(self.process)
        self._log.close()


def prometheus_config(
    exporter: str, *, port: int, alertmanager: str | None = None, interval: str = "1s"
) -> str:
    """deploy/prometheus/prometheus.yml as shipped, with only its addresses and intervals changed.

    exporter and alertmanager are host:port; port is the Prometheus's own (its
    self-scrape job). The rule files are the shipped ones (absolute paths). Without
    alertmanager the alerting section is dropped. interval replaces the 15 s scrape
    and evaluation intervals so that a test sees samples and alerts in seconds; the
    rule groups that set their own interval (1m) keep it.
    """
    text = shipped("prometheus.yml", {
        '"127.0.0.1:9798"': f'"{exporter}"',
        '"127.0.0.1:9090"': f'"127.0.0.1:{port}"',
        '"127.0.0.1:9093"': f'"{alertmanager}"',
        "scrape_interval: 15s": f"scrape_interval: {interval}",
        "evaluation_interval: 15s": f"evaluation_interval: {interval}",
        "  - rules/*.yml": f"  - {DEPLOY / 'rules'}/*.yml",
    })
    if alertmanager is None:
        text = re.sub(r"\nalerting:\n(  .*\n)+", "\n", text)
    return text



def agent_config(target: str, write_url: str) -> str:
    """deploy/prometheus/agent.yml with its placeholders replaced."""
    return shipped("agent.yml", {
        '["127.0.0.1:9798"]': f'["{target}"]',
        '"http://central.example.org:9090/api/v1/write"': f'"{write_url}"',
        "scrape_interval: 15s": "scrape_interval: 1s",
        "batch_send_deadline: 5s": "batch_send_deadline: 1s",
    })


def shipped(name: str, replacements: dict[str, str]) -> str:
    """deploy/prometheus/``name`` with each of ``replacements`` made; each must be there exactly once,
    so that a change to the shipped file cannot leave a test on the old text."""
    text = (DEPLOY / name).read_text()
    for old, new in replacements.items():
        assert text.count(old) == 1, f"{name} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def alertmanager_config(webhook_url: str, *, fast: bool = True) -> str:
    """deploy/prometheus/alertmanager.yml with its webhook URL pointed at webhook_url.

    fast=True shortens group_wait and group_interval to 1 s so that a test sees the
    first notification and the resolution in seconds instead of minutes.
    """
    text = (DEPLOY / "alertmanager.yml").read_text()
    placeholder = '"http://127.0.0.1:9099/linky-alerts"'
    assert placeholder in text, "alertmanager.yml no longer has the webhook placeholder"
    text = text.replace(placeholder, f'"{webhook_url}"')
    if fast:
        text = re.sub(r"group_(wait|interval): \w+", r"group_\1: 1s", text)
    return text


class AlertmanagerServer:
    """A real `prometheus-alertmanager` on a free port, clustering off, state in workdir."""

    def __init__(self, workdir: Path, config: str):
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "alertmanager.yml"
        self.config_path.write_text(config)
        self.log_path = workdir / "alertmanager.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            require_binary("prometheus-alertmanager"),
            f"--config.file={self.config_path}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
        ]
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir)

    def wait_ready(self, timeout: float = 30) -> AlertmanagerServer:
        def ready() -> bool:
            if self.process.poll() is not None:
                log = self.log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"alertmanager exited with {self.process.returncode}:\n{log}")
            return _answers(self.url + "/-/ready")

        poll(ready, timeout=timeout, what=f"alertmanager ready on {self.url}")
        return self

    def post_alerts(self, alerts: list[dict]) -> None:
        """POST /api/v2/alerts (what Prometheus does); dicts with labels, annotations, endsAt."""
        request = urllib.request.Request(
            self.url + "/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def alerts(self) -> list[dict]:
        return http_get_json(self.url + "/api/v2/alerts")

    def stop(self) -> None:
        stop(self.process)
        self._log.close()


class WebhookReceiver:
    """An HTTP endpoint on a free port that keeps every JSON notification posted to it."""

    def __init__(self) -> None:
        received: list[dict] = []
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._received, self._lock = received, lock
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/linky-alerts"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def notifications(self) -> list[dict]:
        with self._lock:
            return list(self._received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
