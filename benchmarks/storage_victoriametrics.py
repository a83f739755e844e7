"""VictoriaMetrics's bytes for the samples of benchmarks/storage.py: a real single node.

The OpenMetrics file of a run is imported as it would arrive from vmagent (the
scrape times as scraped: vmagent does not align them) through /api/v1/import/prometheus;
the recorded series are those Prometheus evaluated from the shipped rules over the same
day (vmalert 1.79's replay mode wrote a tenth of the points of a 15 s group), imported
the same way. After /internal/force_flush and
/internal/force_merge (the background merges VictoriaMetrics does over time), the size
on disk is measured: the data (samples) per sample, and the inverted index (indexdb),
which VictoriaMetrics keeps per day, so a year of it is the day's times 365.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port
from benchmarks.storage_prometheus import wait_ready

_BATCH_LINES = 50_000


@dataclass(frozen=True)
class Sizes:
    samples: int
    data_bytes: int
    index_bytes: int
    rule_samples: int
    rule_data_bytes: int
    rule_index_bytes: int
    days: float

    def year_bytes(self, samples_per_year: float, rule_samples_per_year: float) -> float:
        raw = self.data_bytes / self.samples * samples_per_year + self.index_bytes * 365 / self.days
        rules = (self.rule_data_bytes / self.rule_samples * rule_samples_per_year
                 + self.rule_index_bytes * 365 / self.days)
        return raw + rules


class _Server:
    def __init__(self, data: Path):
        shutil.rmtree(data, ignore_errors=True)
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            ["victoria-metrics", f"-storageDataPath={data}", "-retentionPeriod=100y", "-search.disableCache",
             f"-httpListenAddr=127.0.0.1:{self.port}", "-loggerLevel=ERROR"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_ready(self.url + "/health", self.process)

    def post(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(self.url + path, data=body, method="POST")
        with urllib.request.urlopen(request, timeout=300) as response:
            assert response.status in (200, 204), response.status

    def get(self, path: str, **params: str) -> bytes:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        with urllib.request.urlopen(self.url + path + query, timeout=300) as response:
            return response.read()

    def settle(self) -> tuple[int, int]:
        """Flush, merge, wait for the merges to end; (data bytes, indexdb bytes)."""
        self.get("/internal/force_flush")
        self.get("/internal/force_merge")
        last, stable_since = None, time.monotonic()
        while True:
            time.sleep(0.5)
            sizes = (_size(self.data / "data"), _size(self.data / "indexdb"))
            if sizes != last:
                last, stable_since = sizes, time.monotonic()
            elif time.monotonic() - stable_since > 5:
                return sizes

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _rows(data: Path) -> int:
    """Samples stored: the rows count that starts every part's name (after a merge, one part per month)."""
    return sum(int(part.name.split("_")[0]) for kind in ("small", "big")
               for part in (data / "data" / kind).glob("*/*_*_*") if part.is_dir())


def measure(openmetrics: Path, rule_lines: list[str], data: Path, hours: float) -> Sizes:
    server = _Server(data)
    try:
        batch: list[str] = []
        with openmetrics.open() as lines:
            for line in lines:
                if line.startswith("#"):
                    continue
                series, value, ts = line.rsplit(" ", 2)
                batch.append(f"{series} {value} {round(float(ts) * 1000)}\n")
                if len(batch) >= _BATCH_LINES:
                    server.post("/api/v1/import/prometheus", "".join(batch).encode())
                    batch = []
        if batch:
            server.post("/api/v1/import/prometheus", "".join(batch).encode())
        data_bytes, index_bytes = server.settle()
        samples = _rows(data)
        for start in range(0, len(rule_lines), _BATCH_LINES):
            server.post("/api/v1/import/prometheus", "".join(rule_lines[start:start + _BATCH_LINES]).encode())
        all_data, all_index = server.settle()
        rule_samples = _rows(data) - samples
        return Sizes(samples, data_bytes, index_bytes, rule_samples, all_data - data_bytes, all_index - index_bytes,
                     hours / 24)
    finally:
        server.stop()
