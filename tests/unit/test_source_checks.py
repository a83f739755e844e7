"""Sources: the list rule of environment variables, and the checks made before anything is opened."""

from __future__ import annotations

import pytest

from linky_exporter.sources.checks import check_sources
from linky_exporter.sources.spec import network_address, parse_source, split_sources


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("home=/dev/ttyUSB0,solar=/dev/ttyUSB1", ["home=/dev/ttyUSB0", "solar=/dev/ttyUSB1"]),
        ("home=/dev/ttyUSB0, solar=socket://pi:2000", ["home=/dev/ttyUSB0", "solar=socket://pi:2000"]),
        ("/dev/ttyUSB0,/dev/ttyUSB1", ["/dev/ttyUSB0", "/dev/ttyUSB1"]),
        ("a=/dev/x\nb=/dev/y c=/dev/z,", ["a=/dev/x", "b=/dev/y", "c=/dev/z"]),
        (
            "demo=simulated://standard?contract=tempo&scenario=tempo_red,overload",
            ["demo=simulated://standard?contract=tempo&scenario=tempo_red,overload"],
        ),
        (
            "simulated://standard?contract=hc&offpeak=22:00-06:00,12:00-14:00,socket://pi:2000",
            ["simulated://standard?contract=hc&offpeak=22:00-06:00,12:00-14:00", "socket://pi:2000"],
        ),
        ("a=simulated://standard?scenario=noise,overload&seed=3,b=/dev/z", ["a=simulated://standard?scenario=noise,overload&seed=3", "b=/dev/z"]),
    ],
)
def test_a_comma_separates_sources_only_where_a_new_source_starts(text, items):
    assert split_sources(text) == items
    for item in items:
        parse_source(item)


def test_network_addresses_are_normalised():
    assert network_address("socket://PI.lan:2000") == ("pi.lan", 2000)
    assert network_address("rfc2217://[::1]:4000?timeout=2.5&poll_modem") == ("::1", 4000)


def test_check_sources(tmp_path):
    capture = tmp_path / "capture.tic"
    capture.write_bytes(b"")
    check_sources([parse_source(f"a=file://{capture}"), parse_source(f"b=file://{capture}?loop=1")])
    check_sources([parse_source(f"a={tmp_path / 'ttyUSB0'}"), parse_source(f"b={tmp_path / 'ttyUSB1'}")])
    with pytest.raises(ValueError, match="meters a .* and b .* read the same line"):
        check_sources([parse_source(f"a={tmp_path / 'ttyUSB0'}"), parse_source(f"b={tmp_path}/../{tmp_path.name}/ttyUSB0")])
    with pytest.raises(ValueError, match="meter a: cannot read capture"):
        check_sources([parse_source(f"a=file://{tmp_path / 'none.tic'}")])
