"""The systemd unit and its environment file: systemd accepts them, and the exporter runs under them.

``systemd-analyze`` (Debian package ``systemd``) checks the unit offline; on a
developer's machine without it these tests skip, in CI (``CI=true``) they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from linky_exporter.config.settings import Settings, load_settings

from ..support import seccomp_sandbox
from ..support.exporter_process import Exporter, PtyLine, wait_for
from ..support.golden_exposition import GOLDEN, stable_exposition, stream_of
from ..support.settings_variables import known_variables

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "linky-exporter.service"
ENV_FILE = ROOT / "deploy" / "systemd" / "linky-exporter.env"
SANDBOX = Path(seccomp_sandbox.__file__).resolve()
#: systemd-analyze security's scale is 0 (locked down) to 10 (exposed). The unit
#: scores 1.9 with systemd 252; a change that weakens it fails here.
MAX_EXPOSURE = 2.0


def systemd_analyze() -> str:
    path = shutil.which("systemd-analyze")
    if path is None:
        message = "systemd-analyze not found (Debian package systemd)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": CI must have it")
        pytest.skip(message)
    return path


def unit_for_this_machine(tmp_path: Path, exec_start: str | None = None) -> Path:
    """The unit with ExecStart on a launcher of this checkout: verify checks that the binary exists."""
    if exec_start is None:
        launcher = tmp_path / "linky-exporter"
        launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m linky_exporter.cli "$@"\n')
        launcher.chmod(0o755)
        exec_start = str(launcher)
    text = UNIT.read_text()
    assert text.count("\nExecStart=/opt/linky-exporter/bin/linky-exporter\n") == 1
    unit = tmp_path / UNIT.name  # verify wants the real unit name
    unit.write_text(text.replace("\nExecStart=/opt/linky-exporter/bin/linky-exporter\n", f"\nExecStart={exec_start}\n"))
    return unit


def verify(unit: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [systemd_analyze(), "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )


def about_the_unit(output: str) -> list[str]:
    return [line for line in output.splitlines() if UNIT.name in line]


def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    unit = unit_for_this_machine(tmp_path)
    result = verify(unit)
    assert result.returncode == 0, result.stdout + result.stderr
    assert about_the_unit(result.stdout + result.stderr) == []
    # The launcher verify was given is a working exporter.
    launched = subprocess.run([str(tmp_path / "linky-exporter"), "--version"], capture_output=True, text=True, timeout=30)
    assert launched.stdout.startswith("linky-exporter ")


def test_the_web_config_drop_in_verifies(tmp_path):
    """deploy/systemd/web-config.conf, applied after the unit as systemd applies a drop-in."""
    unit = unit_for_this_machine(tmp_path)
    drop_in = (ROOT / "deploy" / "systemd" / "web-config.conf").read_text()
    unit.write_text(unit.read_text() + "\n" + drop_in)
    result = verify(unit)
    assert result.returncode == 0, result.stdout + result.stderr
    assert about_the_unit(result.stdout + result.stderr) == []
    assert "LINKY_EXPORTER_WEB__CONFIG_FILE=%d/web-config.yml" in drop_in
    assert "LINKY_EXPORTER_WEB__CONFIG_FILE" in known_variables()


def test_verify_would_catch_a_missing_binary(tmp_path):
    """The check above is not vacuous: verify does refuse a unit whose program is missing."""
    result = verify(unit_for_this_machine(tmp_path, exec_start=str(tmp_path / "not-installed")))
    assert result.returncode != 0
    assert "not-installed" in result.stdout + result.stderr


def directives(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_reaches_serial_ports_through_dialout_and_nothing_else():
    unit = directives(UNIT)
    assert unit["DynamicUser"] == ["yes"]
    assert unit["SupplementaryGroups"] == ["dialout"]
    assert unit["PrivateDevices"] == ["no"]
    assert unit["DevicePolicy"] == ["closed"]
    # Kernel driver names as /proc/devices lists them on a Raspberry Pi.
    assert sorted(unit["DeviceAllow"]) == sorted(
        ["char-ttyS rw", "char-ttyAMA rw", "char-ttyUSB rw", "char-ttyACM rw"]
    )
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["EnvironmentFile"] == ["-/etc/default/linky-exporter"]
    # A bad setting exits 2: restarting would not fix it.
    assert unit["RestartPreventExitStatus"] == ["2"]


def test_systemd_analyze_security_exposure(tmp_path):
    unit = unit_for_this_machine(tmp_path)
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    match = re.search(r"Overall exposure level for linky-exporter\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout[-2000:]
    exposure = float(match.group(1))
    print(f"systemd-analyze security: overall exposure {exposure}")
    assert exposure <= MAX_EXPOSURE, result.stdout


def environment_assignments() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(variables the file sets, every commented-out example ``#VAR=value``)."""
    active: dict[str, str] = {}
    examples: list[tuple[str, str]] = []
    assignment = re.compile(r"([A-Z_][A-Z0-9_]*)=(.*)")
    for line in ENV_FILE.read_text().splitlines():
        text = line.strip()
        if not text:
            continue
        target = examples if text.startswith("#") else None
        match = assignment.fullmatch(text.lstrip("#").strip() if target is not None else text)
        if match is None:
            assert target is not None, f"not VARIABLE=value for systemd: {line!r}"
            continue
        name, value = match.group(1), match.group(2).strip().strip('"')
        assert "$" not in value, f"systemd does not expand variables in an EnvironmentFile: {line!r}"
        if target is None:
            active[name] = value
        else:
            examples.append((name, value))
    return active, examples




def load_with(monkeypatch, variables: dict[str, str]) -> Settings:
    for name in list(os.environ):
        if name.startswith("LINKY_EXPORTER_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return load_settings({}, None)


def test_the_environment_file_sets_a_valid_source(monkeypatch):
    active, _ = environment_assignments()
    assert set(active) <= known_variables()
    settings = load_with(monkeypatch, active)
    assert [str(spec) for spec in settings.tic.source] == ["linky=/dev/serial0"]


#: Read by ``serve`` before the settings are built (it names the YAML file), so not a Settings field.
CONFIG_FILE_VARIABLE = "LINKY_EXPORTER_CONFIG_FILE"


def test_the_environment_file_shows_the_config_file_variable():
    _, examples = environment_assignments()
    assert (CONFIG_FILE_VARIABLE, "/etc/linky-exporter.yml") in examples


def test_every_example_in_the_environment_file_is_a_valid_setting(monkeypatch):
    _, examples = environment_assignments()
    examples = [(name, value) for name, value in examples if name != CONFIG_FILE_VARIABLE]
    assert len(examples) >= 8
    unknown = {name for name, _ in examples} - known_variables()
    assert not unknown, f"the exporter reads no such variable: {sorted(unknown)}"
    assert {name for name, _ in examples} == known_variables(), "every variable has an example"
    for name, value in examples:
        load_with(monkeypatch, {name: value})  # raises SettingsError with the variable's flag


def test_an_unknown_variable_would_be_caught():
    assert "LINKY_EXPORTER_ARGS" not in known_variables()
    assert "LINKY_EXPORTER_TIC__SOURCE" in known_variables()


@pytest.mark.slow
def test_the_exporter_serves_the_same_metrics_under_the_units_system_call_policy(tmp_path):
    """SystemCallFilter=@system-service, MemoryDenyWriteExecute=yes, RestrictAddressFamilies, by seccomp.

    The meter is a pty (pyserial's termios calls are on the path) fed a real
    capture; /metrics must match the golden file of the unconfined exporter.
    """
    systemd_analyze()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"allow": seccomp_sandbox.system_service_syscalls()}))
    line = PtyLine(tmp_path / "ttyLINKY")
    exporter = Exporter("--tic.source", str(line.link), "--tic.stale-after", "5m")
    assert exporter.args[1:3] == ["-m", "linky_exporter.cli"]
    exporter.args[1:3] = [str(SANDBOX), str(policy), "--"]
    try:
        with exporter:
            assert (
                "W+X mapping refused: True, debugging call refused: True, netlink socket refused: True"
                in exporter.log()
            )
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 1, what="the pty opened")
            data = stream_of("historique-mono-tempo")
            line.write(data)
            wait_for(lambda: exporter.value("linky_exporter_bytes_total") == len(data), what="the capture read")
            status, text = exporter.get("/metrics")
            assert status == 200
            assert stable_exposition(text) == (GOLDEN / "historique-mono-tempo.prom").read_text()
            assert "process_resident_memory_bytes" in text  # /proc readable: ProcSubset=pid is not set
    finally:
        line.close()
