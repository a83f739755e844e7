"""Who sent wrong passwords: a line at the first, then one a minute at most, bounded whatever the flood."""

from __future__ import annotations

import logging

from linky_exporter.web.auth_log import EVERY_S, MAX_CLIENTS, WrongPasswordLog


class Loop:
    """A clock and call_later, advanced by hand."""

    def __init__(self) -> None:
        self.now = 0.0
        self.scheduled: list[tuple[float, object]] = []

    def call_later(self, delay: float, callback) -> None:
        self.scheduled.append((self.now + delay, callback))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [entry for entry in self.scheduled if entry[0] <= self.now]
        self.scheduled = [entry for entry in self.scheduled if entry[0] > self.now]
        for _, callback in due:
            callback()


def lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "linky_exporter.web.auth_log"]


def test_the_first_is_logged_at_once_the_next_ones_a_minute_later_none_lost(caplog):
    caplog.set_level(logging.WARNING)
    loop = Loop()
    log = WrongPasswordLog(loop.call_later, clock=lambda: loop.now)
    log.note("192.168.1.20", "prometheus")
    assert lines(caplog) == ["1 request(s) refused for a wrong password: 192.168.1.20 as user 'prometheus' (1)"]
    for _ in range(3):
        loop.advance(1)
        log.note("192.168.1.20", "prometheus")
    log.note("10.0.0.9", "admin\x1b[2J")  # a user name is written escaped
    assert len(lines(caplog)) == 1 and len(loop.scheduled) == 1
    loop.advance(EVERY_S)
    assert lines(caplog)[1] == (
        "4 request(s) refused for a wrong password: 192.168.1.20 as user 'prometheus' (3), "
        "10.0.0.9 as user 'admin\\x1b[2J' (1)"
    )
    loop.advance(EVERY_S)  # nothing more: no line
    assert len(lines(caplog)) == 2


def test_a_flood_from_many_clients_costs_bounded_memory_and_one_line_a_minute(caplog):
    caplog.set_level(logging.WARNING)
    loop = Loop()
    log = WrongPasswordLog(loop.call_later, clock=lambda: loop.now)
    for n in range(10_000):
        log.note(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", "x" * 1000)
    assert len(log._by_client) == MAX_CLIENTS
    loop.advance(EVERY_S)
    assert len(lines(caplog)) == 2
    line = lines(caplog)[1]
    assert line.startswith("9999 request(s) refused") and line.endswith(", and 9994 from other clients")
    assert len(line) < 1000  # five clients named, user names cut
