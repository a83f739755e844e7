"""A careless operator and a hostile file: every bad configuration is refused at start with one line.

Exit 2 at start (1 with --check-config, as documented), exactly one line on
stderr, never a traceback, and quickly: a file cannot make the exporter spend
seconds or gigabytes before it says no.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..support.captures import fixture_path
from ..support.cli_run import assert_refused, run_cli

CAPTURE = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic")




BAD_SOURCES = [
    ("socket://127.0.0.1", "gives no port"),
    ("socket://127.0.0.1:99999", "between 1 and 65535"),
    ("socket://127.0.0.1:0", "port 0 is not between 1 and 65535"),
    ("socket://:2000", "names no host"),
    ("socket://[::1:2000", "'socket://[::1:2000' is not a valid URL: Invalid IPv6 URL"),
    ("socket://pi:2000/dev/ttyS0", "takes no path"),
    ("socket://pi:2000?logging=loud", "logging must be one of"),
    ("rfc2217://pi:4000?timeout=nan", "timeout must be a positive number"),
    ("rfc2217://pi:4000?speed=9600", "unknown option 'speed'"),
    ("simulated://foo", "'foo' is not historique or standard"),
    ("simulated://standard?phases=7", "phases: bad value '7'"),
    ("simulated://standard?speed=-1", "speed: bad value '-1'"),
    ("simulated://standard?scenario=tempo_red", "tempo_red needs contract=tempo"),
    ("simulated://standard?colour=blue", "colour: unknown option"),
    ("file:///nonexistent/capture.tic", "cannot read capture /nonexistent/capture.tic: No such file or directory"),
    ("file://captures/x.tic", "three slashes"),
    (f"file://{CAPTURE}?pace=warp", "pace must be meter or fast"),
    ("ttyUSB0", "did you mean /dev/ttyUSB0?"),
    ("http://meter", "unknown source scheme"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("source", "message"), BAD_SOURCES, ids=[s for s, _ in BAD_SOURCES])
def test_a_bad_source_is_refused_at_start_and_by_check_config(source, message):
    assert_refused(run_cli("--tic.source", f"home={source}"), message)
    assert_refused(run_cli("--check-config", "--tic.source", f"home={source}"), message, status=1)


@pytest.mark.slow
def test_a_capture_that_is_a_directory_or_not_a_file_is_refused(tmp_path):
    assert_refused(run_cli("--tic.source", f"file://{tmp_path}"), "is a directory")
    regular = tmp_path / "capture.tic"
    regular.write_bytes(b"x")
    assert_refused(run_cli("--tic.source", str(regular)), f"to replay a capture use file://{regular}")
    assert_refused(run_cli("--tic.source", str(tmp_path)), "is a directory, not a serial device")


def test_a_device_missing_at_start_is_not_an_error(tmp_path):
    """A dongle may be plugged in later: the exporter waits for it (README)."""
    result = run_cli("--check-config", "--tic.source", str(tmp_path / "ttyUSB7"))
    assert result.returncode == 0, result.stderr


def test_the_same_device_twice_is_refused_even_through_a_symlink(tmp_path):
    device = tmp_path / "ttyAMA0"
    (tmp_path / "serial0").symlink_to(device)  # as /dev/serial0 -> ttyAMA0 on a Pi
    result = run_cli("--tic.source", f"a={tmp_path / 'serial0'}", "--tic.source", f"b={device}")
    assert_refused(result, f"read the same line {device}")


def test_the_same_network_line_twice_is_refused():
    result = run_cli("--tic.source", "a=socket://PI.lan:2000", "--tic.source", "b=rfc2217://pi.lan:2000")
    assert_refused(result, "read the same line pi.lan:2000")


def test_the_same_capture_or_simulator_twice_is_fine():
    """Each reader replays its own copy: nothing is split between them."""
    result = run_cli(
        "--check-config",
        "--tic.source", f"a=file://{CAPTURE}", "--tic.source", f"b=file://{CAPTURE}",
        "--tic.source", "c=simulated://standard", "--tic.source", "d=simulated://standard",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "-1", "0", "-0.0", "0s", "1e300"])
def test_a_duration_must_be_finite_and_positive(value):
    assert_refused(run_cli("--tic.source", "/dev/ttyUSB0", f"--tic.stale-after={value}"), "--tic.stale-after: ")


@pytest.mark.slow
@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "-0.01", "true", "'0,19'", "[0.2]", "null"])
def test_a_price_must_be_finite_and_not_negative(tmp_path, value):
    path = tmp_path / "linky.yml"
    path.write_text(f"prices:\n  linky:\n    per_kwh: {{1: {value}}}\n")
    assert_refused(run_cli("--config.file", str(path)), f"prices.linky.per_kwh.1 in {path}: expected")
    if value == "null":
        return  # no subscription price: a valid setting
    path.write_text(f"prices:\n  linky:\n    subscription_per_day: {value}\n")
    assert_refused(run_cli("--config.file", str(path)), f"prices.linky.subscription_per_day in {path}: expected")


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "linky.yml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


ALIAS_BOMB = "tic:\n  source: [/dev/ttyUSB0]\n  mode: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"  {c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
)
HOSTILE_FILES = [
    ("deep flow", "tic:\n  source: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 32 levels deep"),
    ("deep block", "".join("  " * i + f"k{i}:\n" for i in range(600)), "nested more than 32 levels deep"),
    ("alias bomb", ALIAS_BOMB, "alias *a is not allowed"),
    ("merge key", "base: &b {mode: auto}\ntic:\n  <<: *b\n", "alias *b is not allowed"),
    ("too big", "# " + "x" * (1 << 20) + "\n", "larger than 1 MiB"),
    ("many values", "tic:\n  source: [" + ",".join(["/dev/x"] * 20_000) + "]\n", "more than 10000 values"),
    ("duplicate key", "tic:\n  mode: auto\n  mode: standard\n", "line 3, column 3: key 'mode' is given twice"),
    ("invalid UTF-8", b"tic:\n  mode: \xff\xfe\n", "is not UTF-8 text (byte 0xff on line 2)"),
    ("NUL byte", "tic:\n  mode: a\x00b\n", "is not valid YAML"),
    ("a list", "- tic\n", "must hold a mapping"),
    ("broken", "tic: [1, 2\n", "is not valid YAML: line 2"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in HOSTILE_FILES], ids=[i for i, _, _ in HOSTILE_FILES])
def test_a_hostile_or_broken_file_is_refused_with_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    assert_refused(run_cli("--config.file", str(path)), f"--config.file: {path} ")
    assert message in run_cli("--config.file", str(path)).stderr
    assert_refused(run_cli("--check-config", "--config.file", str(path)), message, status=1)


@pytest.mark.slow
def test_a_file_that_cannot_be_opened_is_one_line(tmp_path):
    """Root ignores permission bits: a parent that is a file (ENOTDIR), a directory and a FIFO stand in."""
    parent = tmp_path / "not-a-directory"
    parent.write_text("")
    assert_refused(run_cli("--config.file", str(parent / "linky.yml")), "cannot be read: Not a directory")
    assert_refused(run_cli("--config.file", str(tmp_path)), "is a directory, not a file")
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    assert_refused(run_cli("--config.file", str(fifo)), "is not a regular file")  # and does not block
    assert_refused(run_cli("--config.file", str(tmp_path / "none.yml")), "does not exist")


TYPOS = [
    ("tic:\n  stale_aftr: 30s\n", "unknown setting tic.stale_aftr (did you mean tic.stale_after?)"),
    ("tics:\n  mode: auto\n", "unknown setting tics (did you mean tic?)"),
    ("prices:\n  linky:\n    per_kw: {1: 0.2}\n", "unknown setting prices.linky.per_kw (did you mean prices.linky.per_kwh?)"),
    ("log:\n  level: warning\n", "log.level in {path}: 'warning' is not one of debug, info, warn, error (did you mean warn?)"),
    ("tic:\n  mode: standart\n", "'standart' is not one of auto, historique, standard (did you mean standard?)"),
    ("tic:\n  mode:\n", "tic.mode in {path}: is empty: give one of auto, historique, standard"),
    ("tic:\n  source: /dev/ttyUSB0\n  stale_after: ''\n", "tic.stale_after in {path}: expected a duration such as 30s, 2m or 1h30m, got ''"),
    ("tic:\n  stale_after: [30s]\n", "expected a duration such as 30s, 2m or 1h30m, got a list"),
    ("tic:\n  stale_after: .nan\n", "tic.stale_after in {path}: expected a finite duration above 0 such as 30s, 2m or 1h30m, got nan"),
    ("tic:\n  source: [[/dev/ttyUSB0]]\n", "each source is a [NAME=]URL string, got a list"),
    ("tic:\n  source: {home: /dev/ttyUSB0}\n", "expected a list of [NAME=]URL, got a mapping"),
    ("tic: /dev/ttyUSB0\n", "tic in {path}: expected a mapping (key: value), got '/dev/ttyUSB0'"),
    ("web:\n  listen_address: 9798\n", "web.listen_address in {path}: expected text (quote it in YAML), got 9798"),
    ("web:\n  config_file: ''\n", "web.config_file in {path}: is empty"),
    ("prices:\n  linky:\n    per_kwh: {HP: 0.2}\n", "prices.linky.per_kwh in {path}: key 'HP' is not a whole number"),
    (
        "tic:\n  source: [home=/dev/ttyUSB0]\nprices:\n  linky: {per_kwh: {1: 0.2}}\n",
        "configuration: prices are given for meter 'linky', which no --tic.source names (meters: home)",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("text", "message"), TYPOS, ids=[m.split(":")[0][:40] for _, m in TYPOS])
def test_typos_and_odd_values_get_a_line_a_person_can_act_on(tmp_path, text, message):
    path = write(tmp_path, text)
    result = run_cli("--config.file", str(path))
    assert_refused(result, message.format(path=path))
    assert "Input should be" not in result.stderr and "\\|" not in result.stderr


@pytest.mark.slow
def test_environment_variables_are_named_in_messages():
    assert_refused(
        run_cli(env={"LINKY_EXPORTER_TIC__STALE_AFTR": "30s"}),
        "LINKY_EXPORTER_TIC__STALE_AFTR: the exporter has no such setting (did you mean LINKY_EXPORTER_TIC__STALE_AFTER?)",
    )
    assert_refused(
        run_cli(env={"LINKY_EXPORTER_TIC__STALE_AFTER": "nan"}),
        "LINKY_EXPORTER_TIC__STALE_AFTER: expected a finite duration above 0",
    )
    assert_refused(run_cli(env={"LINKY_EXPORTER_PRICES__LINKY__PER_KWH": "{1: 0.2"}), "LINKY_EXPORTER_PRICES__LINKY__PER_KWH: is not valid JSON")
    assert_refused(run_cli(env={"LINKY_EXPORTER_TIC__SOURCE": "[/dev/ttyUSB0"}), "LINKY_EXPORTER_TIC__SOURCE: starts with [ but is not a JSON list")
    # Not a setting's name: left to whatever else uses the prefix (the unit's LINKY_EXPORTER_ARGS).
    assert run_cli("--check-config", "--tic.source", "socket://pi:2000", env={"LINKY_EXPORTER_ARGS": "--log.level debug"}).returncode == 0


def test_the_readme_example_keeps_its_query_string_in_an_environment_variable():
    source = "demo=simulated://standard?contract=tempo&scenario=tempo_red,overload"
    result = run_cli("--check-config", env={"LINKY_EXPORTER_TIC__SOURCE": f"{source},home=/dev/ttyUSB0 solar=socket://pi:2000"})
    assert result.returncode == 0, result.stderr
    assert f"meter demo: simulated source {source.split('=', 1)[1]}\n" in result.stdout
    assert "meter home: serial source /dev/ttyUSB0" in result.stdout
    assert "meter solar: serial source socket://pi:2000" in result.stdout


def test_a_flag_names_itself():
    assert_refused(run_cli("--tic.source", "/dev/ttyUSB0", "--web.config.file", ""), "--web.config.file: is empty")


def test_the_simulator_is_not_imported_unless_a_simulated_source_is_given():
    code = (
        "import sys; from linky_exporter.config.settings import load_settings; "
        "load_settings({'tic': {'source': sys.argv[1:]}}, None); "
        "print('linky_exporter.simulator' in sys.modules)"
    )
    real = subprocess.run([sys.executable, "-c", code, "a=/dev/ttyUSB0", "b=socket://pi:2000", f"c=file://{CAPTURE}"], capture_output=True, text=True, check=True)
    assert real.stdout.strip() == "False"
    simulated = subprocess.run([sys.executable, "-c", code, "simulated://standard"], capture_output=True, text=True, check=True)
    assert simulated.stdout.strip() == "True"
