"""Configuration: flags, environment, YAML file, --check-config, and bad values refused clearly."""

from __future__ import annotations

import os

import pytest

from linky_exporter.config.settings import SettingsError, load_settings
from linky_exporter.config.values import parse_duration
from linky_exporter.sources.spec import SourceKind, parse_source

from ..support.cli_run import run_cli

BAD = [
    (["--tic.stale-after", "soon"], "--tic.stale-after"),
    (["--tic.stale-after=-5s"], "--tic.stale-after"),
    (["--tic.stale-after"], "--tic.stale-after"),
    (["--tic.source", "a=/dev/ttyUSB0", "--tic.source", "a=/dev/ttyUSB1"], "more than one source"),
    (["--tic.source", "http://meter"], "unknown source scheme"),
    (["--tic.source", "a b=/dev/ttyUSB0"], "meter name"),
    (["--tic.source", "file://"], "needs a path"),
    (["--tic.source", "/dev/ttyUSB0", "--web.listen-address", "nowhere"], "--web.listen-address"),
    (["--tic.source", "/dev/ttyUSB0", "--web.listen-address", ":99999"], "out of range"),
    (["--tic.source", "/dev/ttyUSB0", "--web.telemetry-path", "metrics"], "--web.telemetry-path"),
    (["--tic.source", "/dev/ttyUSB0", "--web.config.file", "/nonexistent/web.yml"], "--web.config.file"),
    (["--tic.source", "/dev/ttyUSB0", "--config.file", "/nonexistent/linky.yml"], "--config.file"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_values_get_one_line_naming_the_field_and_exit_2(args, message):
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_bad_choice_is_refused_by_the_parser_with_exit_2():
    result = run_cli("--tic.mode", "turbo")
    assert result.returncode == 2 and "--tic.mode" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("tic: [1, 2", "not valid YAML"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("tic:\n  sauce: /dev/ttyUSB0\n", "sauce"),
        ("prices:\n  linky:\n    per_kwh: {11: 0.2}\n", "between 1 and 10"),
        ("web:\n  listen_address: 9798\n", "listen"),
    ],
)
def test_bad_config_files(tmp_path, yaml_text, message):
    path = tmp_path / "linky.yml"
    path.write_text(yaml_text)
    result = run_cli("--config.file", str(path))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr


def test_check_config_exits_0_when_good_and_1_when_bad(tmp_path):
    good = run_cli("--check-config", "--tic.source", "home=/dev/ttyUSB0", "--tic.source", "solar=socket://pi:2000")
    assert good.returncode == 0, good.stderr
    assert "meter home: serial source /dev/ttyUSB0" in good.stdout
    assert "meter solar: serial source socket://pi:2000" in good.stdout
    bad = run_cli("--check-config", "--tic.stale-after", "never")
    assert bad.returncode == 1
    assert "--tic.stale-after" in bad.stderr


def test_precedence_flags_then_environment_then_file(tmp_path):
    path = tmp_path / "linky.yml"
    path.write_text("tic:\n  mode: standard\n  stale_after: 1m\nlog:\n  level: debug\n")
    os.environ["LINKY_EXPORTER_TIC__STALE_AFTER"] = "45s"
    os.environ["LINKY_EXPORTER_LOG__LEVEL"] = "warn"
    try:
        settings = load_settings({"log": {"level": "error"}}, path)
    finally:
        del os.environ["LINKY_EXPORTER_TIC__STALE_AFTER"], os.environ["LINKY_EXPORTER_LOG__LEVEL"]
    assert settings.tic.mode == "standard"  # file
    assert settings.tic.stale_after == 45  # environment over file
    assert settings.log.level == "error"  # flag over environment


def test_sources_from_an_environment_variable():
    os.environ["LINKY_EXPORTER_TIC__SOURCE"] = "home=/dev/ttyUSB0, solar=socket://pi:2000"
    try:
        settings = load_settings({}, None)
    finally:
        del os.environ["LINKY_EXPORTER_TIC__SOURCE"]
    assert [(s.name, s.url) for s in settings.tic.source] == [("home", "/dev/ttyUSB0"), ("solar", "socket://pi:2000")]


def test_prices_from_the_file(tmp_path):
    path = tmp_path / "linky.yml"
    path.write_text(
        "tic:\n  source: [linky=/dev/ttyUSB0]\n"
        "prices:\n  linky:\n    subscription_per_day: 0.4732\n    per_kwh: {1: 0.1296, 2: 0.1609}\n"
    )
    settings = load_settings({}, path)
    assert settings.prices["linky"].per_kwh == {1: 0.1296, 2: 0.1609}
    assert settings.prices["linky"].subscription_per_day == 0.4732
    with pytest.raises(SettingsError, match="no --tic.source names"):
        load_settings({"tic": {"source": ["home=/dev/ttyUSB0"]}}, path)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("2m", 120), ("1h30m", 5400), ("500ms", 0.5), ("90", 90), (15, 15)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "name", "url", "kind"),
    [
        ("/dev/ttyUSB0", "linky", "/dev/ttyUSB0", SourceKind.SERIAL),
        ("home=/dev/serial/by-id/usb-FTDI_TINFO-if00-port0", "home", "/dev/serial/by-id/usb-FTDI_TINFO-if00-port0", SourceKind.SERIAL),
        ("socket://192.0.2.1:2000", "linky", "socket://192.0.2.1:2000", SourceKind.SERIAL),
        ("solar=rfc2217://pi:4000", "solar", "rfc2217://pi:4000", SourceKind.SERIAL),
        ("file:///tmp/x.tic?pace=fast", "linky", "file:///tmp/x.tic?pace=fast", SourceKind.FILE),
        ("simulated://standard?contract=tempo&speed=60", "linky", "simulated://standard?contract=tempo&speed=60", SourceKind.SIMULATED),
        ("demo=simulated://historique?phases=3", "demo", "simulated://historique?phases=3", SourceKind.SIMULATED),
    ],
)
def test_source_forms(text, name, url, kind):
    assert parse_source(text) == parse_source(text)
    spec = parse_source(text)
    assert (spec.name, spec.url, spec.kind) == (name, url, kind)


@pytest.mark.slow
def test_the_config_file_can_come_from_the_environment(tmp_path):
    path = tmp_path / "linky.yml"
    path.write_text("tic:\n  stale_after: [not, a, duration]\n")
    result = run_cli("--tic.source", "/dev/ttyUSB0", env={"LINKY_EXPORTER_CONFIG_FILE": str(path)})
    assert result.returncode == 2 and f"tic.stale_after in {path}" in result.stderr
    good = run_cli("--check-config", "--tic.source", "/dev/ttyUSB0", env={"LINKY_EXPORTER_CONFIG_FILE": str(tmp_path / "none.yml")})
    assert good.returncode == 1 and "does not exist" in good.stderr


@pytest.mark.slow
def test_check_config_and_start_agree_when_no_source_is_given_and_no_device_exists():
    from linky_exporter.commands.serve import find_device

    device = find_device()
    check = run_cli("--check-config")
    start = run_cli("--web.listen-address", "127.0.0.1:0") if device is None else None
    if device is None:  # the usual case on a build machine: both refuse, the same way
        assert check.returncode == start.returncode == 1, (check, start)
        assert "no meter to read" in check.stderr and "no meter to read" in start.stderr
    else:
        assert check.returncode == 0 and device in check.stdout
