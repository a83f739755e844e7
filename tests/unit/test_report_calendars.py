"""report/calendars.py: Tempo and EJP calendar files, RTE's answer, and report/rte.py against a local fake."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import date

import pytest

from linky_exporter.report.calendars import (CalendarError, Colour, TempoCalendar, read_ejp_file, read_tempo_file,
                                             tempo_seasons)
from linky_exporter.report.rte import RteError, fetch_tempo


def test_a_tempo_file_in_the_usual_spellings(tmp_path):
    path = tmp_path / "tempo.csv"
    path.write_text("Date;Couleur\n# a comment\n2025-01-14;ROUGE\n15/01/2025,white\n2025-01-16\tBleu\n\n2025-01-17 RED\n")
    assert read_tempo_file(path) == {date(2025, 1, 14): Colour.RED, date(2025, 1, 15): Colour.WHITE,
                                     date(2025, 1, 16): Colour.BLUE, date(2025, 1, 17): Colour.RED}


def test_rtes_answer_saved_as_a_file(tmp_path):
    path = tmp_path / "tempo.json"
    path.write_text(json.dumps({"values": {"2025-01-14": "RED", "2025-01-15": "WHITE", "2025-01-16": "NON_DEFINI"}}))
    assert read_tempo_file(path) == {date(2025, 1, 14): Colour.RED, date(2025, 1, 15): Colour.WHITE}


@pytest.mark.parametrize("text, message", [
    ("2025-01-14;PINK\n", "line 1: 'PINK' is not a Tempo colour"),
    ("2025-01-14;RED\n2025-13-01;RED\n", "line 2: '2025-13-01' is not a date"),
    ("2025-01-14\n", "line 1: expected a date and a colour"),
    ("2025-01-14;RED\n2025-01-14;BLUE\n", "line 2: 2025-01-14 is given two colours"),
])
def test_a_bad_tempo_line_is_named(tmp_path, text, message):
    path = tmp_path / "tempo.txt"
    path.write_text(text)
    with pytest.raises(CalendarError, match=message):
        read_tempo_file(path)


def test_an_ejp_file(tmp_path):
    path = tmp_path / "ejp.txt"
    path.write_text("jours EJP\n2025-01-14\n15/01/2025\n")
    assert read_ejp_file(path) == {date(2025, 1, 14), date(2025, 1, 15)}
    path.write_text("2025-01-14;RED\n")
    with pytest.raises(CalendarError, match="line 1: expected one date a line"):
        read_ejp_file(path)


def test_a_calendar_keeps_what_it_has_and_counts_its_sources():
    calendar = TempoCalendar().merged({date(2025, 1, 14): Colour.RED}, "meter")
    merged = calendar.merged({date(2025, 1, 14): Colour.BLUE, date(2025, 1, 15): Colour.WHITE}, "rte")
    assert merged.colours == {date(2025, 1, 14): Colour.RED, date(2025, 1, 15): Colour.WHITE}
    assert merged.sources([date(2025, 1, 14), date(2025, 1, 15), date(2025, 1, 16)]) == {"meter": 1, "rte": 1}
    assert merged.sources([date(2025, 1, 15)]) == {"rte": 1}
    assert tempo_seasons([date(2025, 1, 14), date(2025, 9, 1)]) == ["2024-2025", "2025-2026"]
    assert tempo_seasons([date(2025, 7, 14)]) == ["2024-2025", "2025-2026"]


class _Fake:
    def __init__(self, status: int, body: bytes):
        self.asked: list[str] = []
        asked = self.asked

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                asked.append(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/tempo"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_rte_is_asked_per_season():
    fake = _Fake(200, json.dumps({"values": {"2025-01-14": "RED"}}).encode())
    try:
        assert fetch_tempo(fake.url, ["2024-2025"]) == {date(2025, 1, 14): Colour.RED}
        assert fake.asked == ["/tempo?season=2024-2025"]
    finally:
        fake.close()


@pytest.mark.parametrize("status, body, message", [
    (500, b"oops", "HTTP 500 for season 2024-2025"),
    (200, b"<html>", "season 2024-2025: Expecting value"),
    (200, b'{"x": 1}', 'no "values" object'),
])
def test_rtes_failures_are_one_line(status, body, message):
    fake = _Fake(status, body)
    try:
        with pytest.raises(RteError, match=message):
            fetch_tempo(fake.url, ["2024-2025"])
    finally:
        fake.close()


def test_rte_unreachable():
    from tests.support.processes import free_port

    with pytest.raises(RteError, match="cannot be reached"):
        fetch_tempo(f"http://127.0.0.1:{free_port()}/tempo", ["2024-2025"], timeout=5)
