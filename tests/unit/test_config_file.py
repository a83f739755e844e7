"""The YAML settings file: read once, with limits, every failure one line."""

from __future__ import annotations

import errno
import os

import pytest
import yaml

from linky_exporter.config import yaml_file as config_file
from linky_exporter.config.settings import SettingsError, load_settings
from linky_exporter.config.yaml_file import ConfigFileError, read_yaml_mapping


def test_the_file_is_parsed_once(tmp_path, monkeypatch):
    path = tmp_path / "linky.yml"
    path.write_text("tic:\n  source: [home=/dev/ttyUSB0]\n  stale_after: 1m\nprices:\n  home: {per_kwh: {1: 0.2}}\n")
    calls = []
    real_load, real_safe_load = yaml.load, yaml.safe_load
    monkeypatch.setattr(yaml, "load", lambda *a, **k: calls.append("load") or real_load(*a, **k))
    monkeypatch.setattr(yaml, "safe_load", lambda *a, **k: calls.append("safe_load") or real_safe_load(*a, **k))
    settings = load_settings({}, path)
    assert calls == ["load"]
    assert settings.tic.stale_after == 60 and settings.prices["home"].per_kwh == {1: 0.2}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "cannot be read: Permission denied"),
        (OSError(errno.ELOOP, "Too many levels of symbolic links"), "cannot be read: Too many levels of symbolic links"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "does not exist"),
    ],
)
def test_an_unreadable_file_is_one_line(tmp_path, monkeypatch, error, message):
    """Root reads everything: the permission error is raised where os.open would raise it."""

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(config_file.os, "open", refuse)
    with pytest.raises(ConfigFileError, match=message):
        read_yaml_mapping(tmp_path / "linky.yml")
    with pytest.raises(SettingsError, match=f"^--config.file: {tmp_path / 'linky.yml'} {message}$"):
        load_settings({}, tmp_path / "linky.yml")


def test_a_read_error_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "linky.yml"
    path.write_text("tic: {}\n")

    class Failing:
        def __init__(self, fd, mode):
            os.close(fd)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, size):
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(config_file.os, "fdopen", Failing)
    with pytest.raises(ConfigFileError, match="cannot be read: Input/output error"):
        read_yaml_mapping(path)


def test_an_empty_file_or_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "linky.yml"
    path.write_text("")
    assert read_yaml_mapping(path) == {}
    path.write_bytes(b"\xef\xbb\xbftic:\n  mode: auto\n")
    assert read_yaml_mapping(path) == {"tic": {"mode": "auto"}}


def test_limits_leave_room_for_a_real_configuration(tmp_path):
    path = tmp_path / "linky.yml"
    meters = "".join(f"  m{i}:\n    subscription_per_day: 0.47\n    per_kwh: {{1: 0.1, 2: 0.2}}\n" for i in range(300))
    path.write_text("prices:\n" + meters)
    assert len(read_yaml_mapping(path)["prices"]) == 300
