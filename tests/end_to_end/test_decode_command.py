"""`linky-exporter decode`: the stable JSON interface, run as a real subprocess."""

from __future__ import annotations

import json
import select
import subprocess
import sys

import pytest

from ..support.captures import all_capture_paths, fixture_path, require_shared

COUNT_KEYS = {
    "frames_valid", "frames_invalid", "groups_valid", "groups_bad_checksum", "groups_malformed",
    "frames_interrupted", "frames_overflowed", "stray_bytes",
}


def decode(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "linky_exporter.cli", "decode", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def test_decode_file_prints_frames_and_counts():
    path = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic")
    result = decode(str(path))
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 10
    first = json.loads(lines[0])
    assert first["mode"] == "historique"
    assert first["groups"]["ADCO"] == {"value": "021861348497", "horodate": None}
    assert first["groups"]["PTEC"] == {"value": "HCJB", "horodate": None}
    counts = json.loads(result.stderr)
    assert COUNT_KEYS <= set(counts)
    assert counts["frames_valid"] == 10 and counts["groups_valid"] == 160
    assert counts["frames_overflowed"] == 0


def test_decode_counts_overflowed_frames_and_stray_bytes():
    noise = b"\x00" * 5 + b"x" * 9000  # no STX/ETX for more than a frame can hold
    frame = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    first = frame[frame.index(b"\x02") : frame.index(b"\x03") + 1]
    result = decode("-", stdin=noise + first + b"\r\n")
    counts = json.loads(result.stderr)
    assert counts["frames_overflowed"] == 1 and counts["frames_invalid"] == 1
    assert counts["frames_valid"] == 1 and counts["stray_bytes"] > 0


def test_decode_stdin_strips_outer_spaces_and_keeps_horodates():
    path = fixture_path("std_tri_prod_tempo_linky__openhab_linky-tic-mode-standard-three-phase-prod.tic")
    result = decode("-", stdin=path.read_bytes())
    assert result.returncode == 0
    frame = json.loads(result.stdout.decode().splitlines()[0])
    assert frame["mode"] == "standard"
    assert frame["groups"]["NGTF"]["value"] == "TEMPO"
    assert frame["groups"]["DATE"] == {"value": "", "horodate": "E210414082625"}
    assert frame["groups"]["SMAXSN-1"] == {"value": "06560", "horodate": "E210413195606"}


def test_unreadable_file_exits_2_with_a_message(tmp_path):
    result = decode(str(tmp_path / "missing.tic"))
    assert result.returncode == 2
    assert b"cannot read" in result.stderr
    assert result.stdout == b""


@pytest.mark.parametrize("path", all_capture_paths(), ids=lambda p: p.name)
def test_counts_match_the_manifest_for_every_capture(path):
    manifest = json.loads((require_shared() / "MANIFEST.json").read_text())["files"][path.name]
    counts = json.loads(decode(str(path)).stderr)
    assert counts["frames_valid"] == manifest["frames"]
    assert counts["frames_invalid"] == manifest["partial_frames"]
    assert counts["groups_valid"] == manifest["groups_valid"]
    assert counts["groups_bad_checksum"] == manifest["groups_bad_checksum"]
    assert counts["groups_malformed"] == manifest["groups_unparseable"]


@pytest.mark.parametrize("path", all_capture_paths(), ids=lambda p: p.name)
def test_each_line_is_json_dumps_of_its_frame(path):
    """decode writes each group's JSON once while it repeats; every line must still be what
    json.dumps writes for the whole frame (escapes, key order, separators)."""
    from linky_exporter.tic.framing import FrameDecoder, FrameResult

    data = path.read_bytes()
    decoder = FrameDecoder()
    frames = [*decoder.feed(data), *decoder.flush()]
    expected = "".join(
        json.dumps({"mode": str(frame.mode), "groups": {
            label: {"value": group.value.strip(" "), "horodate": group.horodate} for label, group in frame.groups.items()
        }}) + "\n"
        for frame in frames if frame.result is FrameResult.VALID
    )
    assert decode(str(path)).stdout.decode() == expected


def test_a_group_with_quotes_and_backslashes_is_escaped_as_json_dumps_escapes_it():
    from linky_exporter.tic.frame import checksum

    payload = 'MSG1\tA "quoted" \\ text\t'.encode()
    group = b"\n" + payload + bytes([checksum(payload)]) + b"\r"
    frame = b"\x02" + group + b"\x03"
    lines = decode("-", stdin=frame * 3).stdout.decode().splitlines()
    assert lines == [json.dumps({"mode": "standard", "groups": {"MSG1": {"value": 'A "quoted" \\ text', "horodate": None}}})] * 3


def test_decode_imports_only_the_framing():
    # The exporter's imports (pydantic, prometheus_client, the server, the simulator) cost
    # decode more CPU than a day of frames: cli.py imports a command's module when it runs.
    probe = (
        "import sys\n"
        "from linky_exporter.cli import main\n"
        "main(['decode', '/dev/null'])\n"
        "heavy = ('pydantic', 'pydantic_settings', 'prometheus_client', 'yaml', 'serial')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith('linky_exporter.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        ["linky_exporter.cli", "linky_exporter.commands", "linky_exporter.commands.decode", "linky_exporter.tic",
         "linky_exporter.tic.frame", "linky_exporter.tic.framing", "linky_exporter.tic.groups"]
    )


def test_decode_from_a_pipe_prints_each_frame_as_it_ends():
    # A live line gives a frame at a time: it must come out at once, not after 64 KiB.
    data = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic").read_bytes()
    first = data[: data.index(b"\x03") + 1]
    process = subprocess.Popen([sys.executable, "-m", "linky_exporter.cli", "decode"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        process.stdin.write(first)
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "no frame printed while the pipe stays open"
        line = json.loads(process.stdout.readline())
        assert line["groups"]["ADCO"]["value"] == "021861348497"
    finally:
        process.stdin.close()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
