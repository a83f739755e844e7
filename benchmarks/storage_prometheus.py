"""Prometheus's bytes for the samples of benchmarks/storage.py: real TSDB blocks, real rules.

Blocks are written by `promtool tsdb create-blocks-from openmetrics`. A block is its
chunks (the samples, Gorilla-compressed, 120 per chunk) and its index (the series and
their labels). Compaction merges blocks and their indexes but copies the chunks as
they are, so a year costs the chunks' bytes per sample times its samples, plus one
index per block kept: Prometheus compacts up to blocks of 31 days (10 % of the
retention, at most 31 d), about 13 a year counting the recent, smaller ones.

The recording rules are evaluated by `promtool tsdb create-blocks-from rules` on a
real Prometheus serving those blocks, at the intervals Prometheus would use.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
RECORDING_RULES = ROOT / "deploy" / "prometheus" / "rules" / "linky-recording.yml"
INDEXES_PER_YEAR = 13


@dataclass(frozen=True)
class Blocks:
    samples: int
    chunk_bytes: int
    index_bytes: int  # of the largest block: the series of the whole span
    first_ms: int
    last_ms: int

    @property
    def bytes_per_sample(self) -> float:
        return self.chunk_bytes / self.samples

    def year_bytes(self, samples_per_year: float) -> float:
        return self.bytes_per_sample * samples_per_year + self.index_bytes * INDEXES_PER_YEAR


def blocks(data: Path) -> Blocks:
    metas = list(data.glob("*/meta.json"))
    if not metas:
        raise RuntimeError(f"no block in {data}")
    stats = [json.loads(meta.read_text()) for meta in metas]
    chunks = sum(f.stat().st_size for meta in metas for f in (meta.parent / "chunks").iterdir())
    index = max((meta.parent / "index").stat().st_size for meta in metas)
    return Blocks(sum(m["stats"]["numSamples"] for m in stats), chunks, index,
                  min(m["minTime"] for m in stats), max(m["maxTime"] for m in stats))


def write_blocks(openmetrics: Path, data: Path) -> Blocks:
    shutil.rmtree(data, ignore_errors=True)
    _run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(openmetrics), str(data)])
    return blocks(data)


def recorded_blocks(data: Path, evaluation_interval: int) -> Blocks:
    """The shipped recording rules evaluated over the blocks of ``data``, as blocks of their own.

    Groups without an interval of their own run every ``evaluation_interval`` seconds (as
    prometheus.yml sets it to the scrape interval); the energy and cost group every minute.
    """
    out = data.parent / f"{data.name}-rules"
    shutil.rmtree(out, ignore_errors=True)
    raw = blocks(data)
    with serving(data) as port:
        _run(["promtool", "tsdb", "create-blocks-from", "rules", "--quiet", f"--url=http://127.0.0.1:{port}",
              f"--start={raw.first_ms // 1000}", f"--end={raw.last_ms // 1000}",
              f"--eval-interval={evaluation_interval}s", f"--output-dir={out}", str(RECORDING_RULES)])
    return blocks(out)


def samples_of(data: Path) -> list[str]:
    """Every sample of a TSDB directory as Prometheus text lines with millisecond timestamps."""
    span = blocks(data)
    with serving(data) as port:
        window = (span.last_ms - span.first_ms) // 1000 + 60
        query = urllib.parse.urlencode({"query": f'{{__name__=~".+"}}[{window}s]', "time": f"{span.last_ms / 1000:.3f}"})
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/query?{query}", timeout=300) as response:
            result = json.load(response)["data"]["result"]
    lines = []
    for series in result:
        labels = dict(series["metric"])
        name = labels.pop("__name__")
        text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines += [f"{name}{{{text}}} {v} {round(float(t) * 1000)}\n" for t, v in series["values"]]
    return lines


@contextlib.contextmanager
def serving(data: Path) -> Iterator[int]:
    """A Prometheus serving the TSDB directory ``data`` on a free port, for as long as the block runs."""
    port = free_port()
    config = data.parent / f"{data.name}.yml"
    config.write_text("global: {}\n")
    server = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=10y",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/-/ready", server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200

    wait_for(ready, timeout=timeout, interval=0.2, what=f"{url} to answer")


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
