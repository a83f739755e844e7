"""``simulated://`` URLs: what they parse into, and one-line errors naming the option."""

from __future__ import annotations

from datetime import datetime

import pytest

from linky_exporter.simulator import parse_url
from linky_exporter.simulator.clock import PARIS
from linky_exporter.tic.framing import Mode


def test_the_readme_demo_url():
    config = parse_url("simulated://standard?contract=tempo&speed=60")
    assert config.mode is Mode.STANDARD and config.contract == "tempo" and config.speed == 60
    assert config.phases == 1 and not config.producer and config.start is None
    assert config.started().start.tzinfo is not None


def test_every_option():
    config = parse_url(
        "simulated://historique?phases=3&contract=hc&seed=9&speed=0.5&start=2024-01-15T19:59"
        "&offpeak=01:30-07:30,12:30-14:30&pref=15"
        "&scenario=overload,noise,mode_switch&overload_at=2024-01-15T20:00&overload_for=90s&noise_rate=0.01"
    )
    assert config.mode is Mode.HISTORIQUE and config.phases == 3 and config.seed == 9 and config.speed == 0.5
    assert config.start == datetime(2024, 1, 15, 19, 59, tzinfo=PARIS)
    assert config.offpeak == ((5400, 27000), (45000, 52200))
    assert config.reference_kva == 15 and config.subscribed_amperes == 25
    assert config.scenarios.names == ("overload", "noise", "mode_switch")
    assert config.scenarios.overload.duration_s == 90
    assert config.scenarios.noise.byte_rate == 0.01 and config.scenarios.noise.parity


@pytest.mark.parametrize(
    "url,option",
    [
        ("simulated://standard?colour=red", "colour"),
        ("simulated://standard?phases=2", "phases"),
        ("simulated://standard?contract=bleu", "contract"),
        ("simulated://standard?producer=yes", "producer"),
        ("simulated://standard?seed=-1", "seed"),
        ("simulated://standard?speed=0", "speed"),
        ("simulated://standard?speed=fast", "speed"),
        ("simulated://standard?start=yesterday", "start"),
        ("simulated://standard?offpeak=22-06", "offpeak"),
        ("simulated://standard?pref=99", "pref"),
        ("simulated://standard?seed=1&seed=2", "seed"),
        ("simulated://linky", "mode"),
        ("simulated://standard?scenario=earthquake", "scenario"),
        ("simulated://standard?overload_at=1m", "overload_at"),
        ("simulated://standard?scenario=overload&overload_for=soon", "overload_for"),
        ("simulated://standard?scenario=noise&noise_rate=2", "noise_rate"),
        ("simulated://standard?scenario=breaker_open&breaker_cause=rain", "breaker_cause"),
        ("simulated://standard?scenario=tempo_red", "scenario"),
        ("simulated://standard?producer=1&scenario=mode_switch", "scenario"),
        ("simulated://historique?producer=1", "producer"),
        ("serial:///dev/ttyUSB0", "url"),
        ("simulated://standard?scenario=fixed_load&pf=1.2", "pf"),
        ("simulated://standard?scenario=fixed_load&watts=300,x", "watts"),
        ("simulated://standard?scenario=fixed_load&load_every=0s", "load_every"),
        ("simulated://standard?watts=300", "watts"),
    ],
)
def test_bad_urls_name_the_option_in_one_line(url, option):
    with pytest.raises(ValueError) as error:
        parse_url(url)
    message = str(error.value)
    assert message.startswith(option + ":") and "\n" not in message
