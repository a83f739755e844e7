"""``linky-exporter simulate`` as a real process: pty, TCP, file, pipes and signals."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linky_exporter.tic.framing import FrameDecoder

ROOT = Path(__file__).resolve().parents[2]


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "linky_exporter.cli", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        _command("simulate", *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=ROOT
    )


def _read_until_valid(read, frames_wanted: int, limit_s: float = 10.0) -> FrameDecoder:
    """Feed a decoder from ``read()`` until it has ``frames_wanted`` valid frames."""
    decoder = FrameDecoder()
    deadline = time.monotonic() + limit_s
    while decoder.stats.frames_valid < frames_wanted and time.monotonic() < deadline:
        chunk = read()
        if chunk:
            decoder.feed(chunk)
    return decoder


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, bytes]:
    process.send_signal(sig)
    _, err = process.communicate(timeout=10)
    return process.returncode, err


@pytest.mark.slow
def test_pty_streams_frames_a_reader_decodes():
    process = _start("simulated://standard?contract=tempo&speed=60", "--pty")
    try:
        path = process.stdout.readline().decode().strip()
        assert path.startswith("/dev/pts/")
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:

            def read() -> bytes:
                ready, _, _ = select.select([fd], [], [], 0.5)
                return os.read(fd, 4096) if ready else b""

            decoder = _read_until_valid(read, 2)
        finally:
            os.close(fd)
        assert decoder.stats.frames_valid >= 2
        assert decoder.stats.groups_bad_checksum == decoder.stats.groups_malformed == 0
    finally:
        code, err = _stop(process)
    assert code == 0, err
    assert err == b""


@pytest.mark.slow
def test_tcp_streams_to_a_socket_client():
    process = _start("historique?contract=hc", "--tcp", "127.0.0.1:0")
    try:
        host, port = process.stdout.readline().decode().strip().rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        with socket.create_connection((host, int(port)), timeout=5) as client:
            client.settimeout(0.5)

            def read() -> bytes:
                try:
                    return client.recv(4096)
                except TimeoutError:
                    return b""

            decoder = _read_until_valid(read, 1)
        assert decoder.stats.frames_valid >= 1 and decoder.stats.groups_bad_checksum == 0
    finally:
        code, err = _stop(process, signal.SIGINT)
    assert code == 0, err


def test_output_file_is_decoded_by_linky_exporter_decode(tmp_path):
    capture = tmp_path / "sim.tic"
    done = subprocess.run(
        _command("simulate", "standard?phases=3&producer=1&seed=5", "--start", "2024-01-15T12:00",
                 "--output", str(capture), "--frames", "50", "--fast"),
        capture_output=True, env=_env(), cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    decoded = subprocess.run(_command("decode", str(capture)), capture_output=True, env=_env(), cwd=ROOT, timeout=60)
    assert decoded.returncode == 0
    lines = decoded.stdout.decode().splitlines()
    assert len(lines) == 50
    assert all(json.loads(line)["mode"] == "standard" for line in lines)
    counts = json.loads(decoded.stderr)
    assert counts["frames_valid"] == 50 and counts["frames_invalid"] == 0
    assert counts["groups_bad_checksum"] == counts["groups_malformed"] == 0


def test_a_closed_pipe_ends_the_stream_quietly():
    process = _start("historique", "--fast", "--frames", "100000")
    assert len(process.stdout.read(500)) == 500
    process.stdout.close()
    process.wait(timeout=30)
    assert process.returncode == 0
    assert process.stderr.read() == b""


@pytest.mark.slow
def test_stdout_is_paced_and_sigint_exits_cleanly():
    process = _start("standard?speed=60")
    time.sleep(1.2)
    code, err = _stop(process, signal.SIGINT)
    assert code == 0 and err == b""


def test_bad_options_exit_2_with_one_line():
    done = subprocess.run(_command("simulate", "simulated://standard?phases=4"), capture_output=True, env=_env(),
                          cwd=ROOT, timeout=30)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.decode().strip().count("\n") == 0
    assert "phases" in done.stderr.decode()
    assert subprocess.run(_command("simulate", "--fast"), capture_output=True, env=_env(), cwd=ROOT).returncode == 2
