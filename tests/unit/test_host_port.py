"""linky_exporter/grammar/host_port.py: the one reading of host:port."""

from __future__ import annotations

import pytest

from linky_exporter.grammar.host_port import split_host_port


@pytest.mark.parametrize(
    ("text", "parts"),
    [("127.0.0.1:9798", ("127.0.0.1", 9798)), (":9798", ("", 9798)), ("[::1]:2000", ("::1", 2000)),
     ("pi:0", ("pi", 0)), ("pi", ("pi", None)), ("pi:", ("pi", None)), ("[::1]", ("::1", None)), ("", ("", None))],
)
def test_forms(text, parts):
    assert split_host_port(text) == parts


@pytest.mark.parametrize("text", ["pi:http", "pi:-1", "::1:2000", "[::1:2000", "[::1]x:2000", "pi:２０００"])
def test_what_is_not_host_port(text):
    with pytest.raises(ValueError):
        split_host_port(text)
