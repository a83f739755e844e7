"""Acceptance: the real ``linky-exporter`` command, fed real captures through a pty and a socket."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..support.captures import fixture_path
from ..support.exporter_process import Exporter, PtyLine, TcpLine, wait_for
from ..support.golden_exposition import GOLDEN, LAYOUTS, UPDATE_GOLDEN, stable_exposition, stream_of


def frames_in(layout: str) -> int:
    return stream_of(layout).count(b"\x03")


def wait_until_read(exporter: Exporter, size: int) -> None:
    wait_for(lambda: exporter.value("linky_exporter_bytes_total") == size, what=f"{size} bytes read")


def check_golden(layout: str, text: str) -> None:
    path = GOLDEN / f"{layout}.prom"
    stable = stable_exposition(text)
    if UPDATE_GOLDEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(stable)
    assert path.exists(), f"no golden file {path}: run scripts/regenerate goldens"
    assert stable == path.read_text(), f"/metrics differs from {path} (scripts/regenerate goldens rewrites it)"


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_golden_metrics_through_a_pty(layout, tmp_path):
    line = PtyLine(tmp_path / "ttyLINKY")
    try:
        with Exporter("--tic.source", str(line.link), "--tic.stale-after", "5m") as exporter:
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 1, what="the pty opened")
            data = stream_of(layout)
            line.write(data)
            wait_until_read(exporter, len(data))
            status, text = exporter.get("/metrics")
            assert status == 200
            check_golden(layout, text)
    finally:
        line.close()


@pytest.mark.slow
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_same_metrics_through_a_socket(layout):
    line = TcpLine()
    try:
        with Exporter("--tic.source", line.url, "--tic.stale-after", "5m") as exporter:
            wait_for(line.connected, what="the exporter to connect")
            data = stream_of(layout)
            line.write(data)
            wait_until_read(exporter, len(data))
            check_golden(layout, exporter.get("/metrics")[1])
    finally:
        line.stop()


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_golden_files_pass_promtool_check_metrics(layout):
    result = subprocess.run(
        ["promtool", "check", "metrics"], input=(GOLDEN / f"{layout}.prom").read_bytes(), capture_output=True
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert result.stdout.strip() == b"" and result.stderr.strip() == b"", "promtool has remarks"


@pytest.mark.slow
def test_openmetrics_is_served_when_asked_for():
    with Exporter("--tic.source", f"file://{fixture_path(LAYOUTS['standard-tri-producer-tempo'][0])}?pace=fast") as exporter:
        wait_for(lambda: exporter.value("linky_up") == 1, what="a valid frame")
        status, body = exporter.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        assert status == 200
        assert "# TYPE linky_meter info" in body
        assert "# TYPE linky_tempo_color stateset" in body
        assert "# UNIT linky_energy_imported_joules joules" in body
        assert body.rstrip().endswith("# EOF")


@pytest.mark.slow
def test_unplug_and_replug_recovers_without_restart_and_serves_no_stale_value(tmp_path):
    line = PtyLine(tmp_path / "ttyLINKY")
    hist = fixture_path(LAYOUTS["historique-mono-tempo"][0]).read_bytes()
    try:
        with Exporter("--tic.source", str(line.link), "--tic.stale-after", "2s") as exporter:
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 1, what="the pty opened")
            line.write(hist[: len(hist) // 2])
            wait_for(lambda: exporter.value("linky_up") == 1, what="linky up")
            assert exporter.value("linky_apparent_power_volt_amperes", direction="import") == 2840
            line.unplug()
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 0, what="the unplug seen")
            # Within stale-after the last values may stay; after it, none is served.
            wait_for(lambda: exporter.value("linky_up") == 0, what="linky down after stale-after")
            metrics = exporter.scrape()
            assert not [key for key in metrics if key[0].startswith("linky_") and not key[0].startswith("linky_exporter_")
                        and key[0] not in ("linky_up", "linky_meter_info")]
            line.replug()
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 1, what="the replug seen")
            line.write(hist[len(hist) // 2 :])
            wait_for(lambda: exporter.value("linky_up") == 1, what="linky up again")
            assert exporter.value("linky_exporter_source_reconnects_total") >= 1
            assert exporter.process.poll() is None
            log = exporter.log()
            # One line per state change, not one per retry.
            assert log.count("cannot open") <= 2, log
    finally:
        line.close()


@pytest.mark.slow
def test_ser2net_restart_recovers(tmp_path):
    line = TcpLine()
    hist = fixture_path(LAYOUTS["historique-mono-tempo"][0]).read_bytes()
    try:
        with Exporter("--tic.source", line.url, "--tic.stale-after", "2s") as exporter:
            wait_for(line.connected, what="the exporter to connect")
            line.write(hist[: len(hist) // 2])
            wait_for(lambda: exporter.value("linky_up") == 1, what="linky up")
            line.stop()
            wait_for(lambda: exporter.value("linky_exporter_source_connected") == 0, what="the disconnection seen")
            line.start()
            wait_for(line.connected, what="the exporter to reconnect")
            line.write(hist[len(hist) // 2 :])
            wait_for(lambda: exporter.value("linky_exporter_frames_total", result="valid") >= 9, what="frames after reconnection")
            assert exporter.value("linky_exporter_source_reconnects_total") >= 1
    finally:
        line.stop()


@pytest.mark.slow
def test_a_dongle_moved_from_a_historique_meter_to_a_standard_one_is_followed():
    line = TcpLine()
    hist = fixture_path(LAYOUTS["historique-mono-tempo"][0]).read_bytes()
    std = fixture_path(LAYOUTS["standard-mono-producer"][0]).read_bytes()
    try:
        with Exporter("--tic.source", line.url) as exporter:
            wait_for(line.connected, what="the exporter to connect")
            line.write(hist)
            wait_for(lambda: exporter.value("linky_exporter_mode_detections_total", mode="historique") == 1, what="historique")
            line.write(std * 2)  # the capture holds one whole frame
            wait_for(lambda: exporter.value("linky_exporter_mode_detections_total", mode="standard") == 1, what="standard")
            # Another serial: believed from its second frame on (docs/metrics.md, "serial").
            metrics = wait_for(lambda: (m := exporter.scrape()) and any(
                k[0] == "linky_meter_info" and ("mode", "standard") in k[1] for k in m) and m, what="the new meter")
            info = [key for key in metrics if key[0] == "linky_meter_info"]
            assert len(info) == 1
            # The old meter's energy is gone at once; the new one's waits for its guard.
            assert not any(k[0] == "linky_energy_imported_joules_total" for k in metrics)
    finally:
        line.stop()


@pytest.mark.slow
def test_several_meters_in_one_process(tmp_path):
    consumption, production = TcpLine(), TcpLine()
    try:
        with Exporter("--tic.source", f"home={consumption.url}", "--tic.source", f"solar={production.url}") as exporter:
            wait_for(lambda: consumption.connected() and production.connected(), what="both connections")
            consumption.write(fixture_path(LAYOUTS["historique-mono-tempo"][0]).read_bytes())
            production.write(fixture_path(LAYOUTS["standard-mono-producer"][0]).read_bytes())
            metrics = wait_for(
                lambda: (m := exporter.scrape()) and m.get(("linky_up", (("meter", "home"),))) == 1
                and m.get(("linky_up", (("meter", "solar"),))) == 1 and m,
                what="both meters up",
            )
            export = ("linky_apparent_power_volt_amperes", (("direction", "export"), ("meter", "solar")))
            assert export in metrics
            assert not any(k[0] == "linky_apparent_power_volt_amperes" and ("meter", "home") in k[1]
                           and ("direction", "export") in k[1] for k in metrics)
    finally:
        consumption.stop()
        production.stop()


@pytest.mark.slow
def test_landing_page_and_health_endpoints():
    with Exporter("--tic.source", f"file://{fixture_path(LAYOUTS['historique-mono-tempo'][0])}?pace=fast") as exporter:
        wait_for(lambda: exporter.value("linky_up") == 1, what="a valid frame")
        status, page = exporter.get("/")
        assert status == 200
        assert "linky" in page and "historique" in page and 'href="/metrics"' in page
        assert exporter.get("/-/healthy")[0] == 200
        assert exporter.get("/-/ready")[0] == 200
        assert exporter.get("/nowhere")[0] == 404


def test_telemetry_path_flag():
    with Exporter("--tic.source", f"file://{fixture_path(LAYOUTS['historique-mono-tempo'][0])}?pace=fast",
                  "--web.telemetry-path", "/tic") as exporter:
        assert exporter.get("/tic")[0] == 200
        assert exporter.get("/metrics")[0] == 404


def test_no_source_and_no_device_exits_with_where_it_looked():
    from linky_exporter.commands.serve import find_device

    if find_device() is not None:
        pytest.fail(f"this machine has a serial device ({find_device()}): the test needs one without")
    result = subprocess.run([sys.executable, "-m", "linky_exporter.cli"], capture_output=True, text=True, timeout=30,
                            env={k: v for k, v in os.environ.items() if not k.startswith("LINKY_EXPORTER_")})
    assert result.returncode == 1
    assert "/dev/serial0" in result.stderr and "/dev/ttyUSB0" in result.stderr
    assert "simulated://" in result.stderr and "SIMULATED" in result.stderr
