"""Run Debian's VictoriaMetrics binaries in tests: victoria-metrics, vmagent, vmalert.

Like tests/support/promtools.py: each on a free port on 127.0.0.1, its data in the test's
temporary directory, stopped by the fixture that started it; a missing binary is a
FAILURE naming the package (scripts/test installs it).
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .processes import stop
from .promtools import DEPLOY, _answers, free_port, http_get_json, poll, require_binary

VM_DEPLOY = DEPLOY.parent / "victoriametrics"


def shipped_args(default_file: str, **replace: str | list[str] | None) -> list[str]:
    """The flags of ARGS= in deploy/victoriametrics/<default_file>, some replaced.

    ``replace`` maps a flag name (dots as ``__``: ``remoteWrite__url``) to its value in the
    test, a list for a repeated flag, or None to drop it; every replaced flag must be
    one the file sets, so a renamed flag in the file fails here instead of being ignored.
    """
    text = (VM_DEPLOY / default_file).read_text()
    args = re.search(r'^ARGS="(.*)"$', text, re.M)[1].split()
    out, seen = [], set()
    for arg in args:
        name, _, value = arg.lstrip("-").partition("=")
        key = name.replace(".", "__")
        if key in replace:
            seen.add(key)
            new = replace[key]
            values = [] if new is None else new if isinstance(new, list) else [new]
            out += [f"-{name}={v}" for v in values]
        else:
            out.append(arg)
    assert seen == set(replace), f"{default_file} no longer sets {sorted(set(replace) - seen)}"
    return out


class _Process:
    name = ""

    def __init__(self, workdir: Path, flags: list[str], port: int | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{self.name}.log"
        self.argv = [require_binary(self.name), f"-httpListenAddr=127.0.0.1:{self.port}", "-loggerLevel=INFO", *flags]
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self._log = self.log_path.open("a")
        self.process = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=self.workdir)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait_ready(self, timeout: float = 30):
        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            return _answers(self.url + "/health")

        poll(ready, timeout=timeout, what=f"{self.name} ready on {self.url}")
        return self

    def api(self, path: str, **params: str) -> Any:
        return http_get_json(self.url + path, params or None)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self._log.close()


class VictoriaMetrics(_Process):
    """A single-node victoria-metrics; remote_write receiver at ``write_url``.

    Queries see samples at once (-search.latencyOffset=0s, no response cache), so a
    test compares what was written, not what a cache kept.
    """

    name = "victoria-metrics"

    def __init__(self, workdir: Path, *extra: str, port: int | None = None):
        super().__init__(workdir, [f"-storageDataPath={workdir / 'data'}", "-retentionPeriod=1y",
                                   "-search.latencyOffset=0s", "-search.disableCache", *extra], port)
        self.write_url = self.url + "/api/v1/write"

    def query(self, expr: str) -> list[dict]:
        answer = self.api("/api/v1/query", query=expr)
        assert answer["status"] == "success", f"{expr!r}: {answer}"
        return answer["data"]["result"]

    def export(self, selector: str) -> dict[frozenset, dict[int, float]]:
        """Every raw sample of the series matching ``selector``: {labels: {timestamp ms: value}}."""
        url = self.url + "/api/v1/export?" + urllib.parse.urlencode({"match[]": selector})
        with urllib.request.urlopen(url, timeout=30) as response:
            lines = response.read().decode().splitlines()
        out: dict[frozenset, dict[int, float]] = {}
        for line in lines:
            row = json.loads(line)
            out.setdefault(frozenset(row["metric"].items()), {}).update(zip(row["timestamps"], row["values"]))
        return out

    def flush(self) -> None:
        """Make what was received searchable now (/internal/force_flush)."""
        with urllib.request.urlopen(self.url + "/internal/force_flush", timeout=30) as response:
            assert response.status == 200


class Vmagent(_Process):
    """vmagent as deploy/victoriametrics/vmagent.default starts it, with its scrape
    configuration, remote-write URLs and queue directory replaced (and a 200 ms flush)."""

    name = "vmagent"

    def __init__(self, workdir: Path, scrape_config: str, write_urls: list[str]):
        config = workdir / "scrape.yml"
        workdir.mkdir(parents=True, exist_ok=True)
        config.write_text(scrape_config)
        flags = shipped_args("vmagent.default", promscrape__config=str(config), remoteWrite__url=write_urls,
                             remoteWrite__tmpDataPath=str(workdir / "queue"), httpListenAddr=None)
        super().__init__(workdir, [*flags, "-remoteWrite.flushInterval=200ms"])


class Vmalert(_Process):
    """vmalert as deploy/victoriametrics/vmalert.default starts it, on a VictoriaMetrics,
    notifying ``notifier``."""

    name = "vmalert"

    def __init__(self, workdir: Path, victoria: VictoriaMetrics, notifier: str, *, evaluation_interval: str,
                 rules: str = f"{DEPLOY / 'rules'}/*.yml"):
        flags = shipped_args("vmalert.default", rule=rules, evaluationInterval=evaluation_interval,
                             datasource__url=victoria.url, remoteWrite__url=victoria.url,
                             remoteRead__url=victoria.url, notifier__url=notifier, httpListenAddr=None)
        super().__init__(workdir, [*flags, "-remoteWrite.flushInterval=200ms"])

    def rules(self) -> list[dict]:
        groups = self.api("/api/v1/rules")["data"]["groups"]
        return [rule for group in groups for rule in group.get("rules", [])]


def prometheus_samples(server, selector: str, window_s: int) -> dict[frozenset, dict[int, float]]:
    """Every raw sample of a Prometheus over the last ``window_s`` seconds, as VictoriaMetrics.export gives them."""
    out: dict[frozenset, dict[int, float]] = {}
    for series in server.query(f"{selector}[{window_s}s]"):
        out[frozenset(series["metric"].items())] = {round(float(t) * 1000): float(v) for t, v in series["values"]}
    return out
