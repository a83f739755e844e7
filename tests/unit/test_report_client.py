"""report/prometheus_api.py against a local fake of the Prometheus HTTP API: long ranges cut into
requests Prometheus accepts, basic auth, and errors in one line."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import urllib.parse

import pytest

from linky_exporter.report.prometheus_api import MAX_POINTS, ApiError, ClientOptions, PrometheusApi


class FakeApi:
    """Answers query_range with one point per step, and remembers every request's form."""

    def __init__(self, status: int = 200):
        self.forms: list[dict[str, list[str]]] = []
        self.headers: list[dict[str, str]] = []
        forms, headers = self.forms, self.headers

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                forms.append(form)
                headers.append(dict(self.headers))
                if status != 200:
                    body = json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error\nat char 3"})
                else:
                    start, end, step = (float(form[k][0]) for k in ("start", "end", "step"))
                    points = [[start + n * step, "1"] for n in range(int((end - start) // step) + 1)]
                    body = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [
                        {"metric": {"meter": "linky"}, "values": points}]}})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_year_at_one_minute_is_cut_into_requests_prometheus_accepts():
    fake = FakeApi()
    try:
        api = PrometheusApi(ClientOptions(fake.url, username="report", password="s3cret"))
        start = 1_700_000_000
        end = start + 365 * 86400
        [series] = api.query_range("up", start, end, 60)
    finally:
        fake.close()
    steps = [(float(f["end"][0]) - float(f["start"][0])) / 60 + 1 for f in fake.forms]
    assert len(fake.forms) == -(-(365 * 1440 + 1) // MAX_POINTS) and max(steps) <= MAX_POINTS
    assert [t for t, _ in sorted(series.points)] == [start + 60 * n for n in range(365 * 1440 + 1)]
    assert all(h["Authorization"] == "Basic " + base64.b64encode(b"report:s3cret").decode() for h in fake.headers)
    assert api.requests == len(fake.forms)


def test_errors_are_one_line():
    fake = FakeApi(status=400)
    try:
        with pytest.raises(ApiError, match=r"HTTP 400: parse error at char 3$"):
            PrometheusApi(ClientOptions(fake.url)).query_range("up{", 0, 60, 60)
    finally:
        fake.close()
    with pytest.raises(ApiError, match="is not an http:// or https:// URL"):
        PrometheusApi(ClientOptions("127.0.0.1:9090"))
    from tests.support.processes import free_port

    with pytest.raises(ApiError, match="cannot be read: .*refused"):
        PrometheusApi(ClientOptions(f"http://127.0.0.1:{free_port()}")).query("up", 0)
