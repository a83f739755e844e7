"""What the exporter serves: /metrics (text or OpenMetrics), a landing page, /-/healthy, /-/ready.

prometheus_client's WSGI app renders the metrics (and negotiates OpenMetrics
from the Accept header); this module adds the landing page and the health
endpoints. Connections, TLS, authentication and limits are web/http_server.py's.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable, Iterable, Sequence

from prometheus_client import CollectorRegistry, make_wsgi_app

from .. import __version__
from ..meter import MeterState
from ..web.http_protocol import Request

StartResponse = Callable[..., object]
#: How long a rendered /metrics response may be reused (process_* metrics age that much at most).
RENDER_CACHE_S = 1.0


class ExporterApp:
    def __init__(
        self,
        registry: CollectorRegistry,
        meters: Sequence[MeterState],
        telemetry_path: str = "/metrics",
        ready: Callable[[], bool] = lambda: True,
    ):
        self.metrics_app = make_wsgi_app(registry)
        self.meters = meters
        self.telemetry_path = telemetry_path
        self.ready = ready
        self._rendered: tuple | None = None  # (key, expiry, (status, headers, body))

    def handle(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request (GET or HEAD, authorised already) -> (status, headers, body). Called on an app thread."""
        response: list = []
        body = b"".join(self(_environ(request), lambda status, headers, exc_info=None: response.extend((status, headers))))
        status, headers = response
        return int(status.split(" ", 1)[0]), list(headers), body

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == self.telemetry_path:
            return self._metrics(environ, start_response)
        if path == "/-/healthy":
            return _text(start_response, "200 OK", "Healthy\n")
        if path == "/-/ready":
            if self.ready():
                return _text(start_response, "200 OK", "Ready\n")
            return _text(start_response, "503 Service Unavailable", "Not ready: no source opened yet\n")
        if path == "/":
            body = landing_page(self.meters, self.telemetry_path).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
            return [body]
        return _text(start_response, "404 Not Found", f"Not found. Metrics are at {self.telemetry_path}\n")

    def _metrics(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """prometheus_client's rendering, shared by the scrapes that arrive between two frames.

        A response is reused for at most RENDER_CACHE_S, only for the same request
        headers and the same meter snapshots, and never past a value's staleness:
        fifty scrapers then cost one rendering a second, not fifty.
        """
        if environ.get("REQUEST_METHOD") != "GET":
            return self.metrics_app(environ, start_response)
        snapshots = [meter.snapshot for meter in self.meters]
        key = (
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ACCEPT_ENCODING"),
            environ.get("QUERY_STRING"),
            tuple(snap.version for snap in snapshots),
        )
        now = time.monotonic()
        cached = self._rendered
        if cached is not None and cached[0] == key and now < cached[1]:
            status, headers, body = cached[2]
        else:
            response: list = []
            body = b"".join(self.metrics_app(environ, lambda status, headers, exc_info=None: response.extend((status, headers))))
            status, headers = response
            wall = time.time()
            stale_in = min((snap.next_change(wall) for snap in snapshots), default=float("inf")) - wall
            self._rendered = (key, now + min(RENDER_CACHE_S, stale_in), (status, headers, body))
        start_response(status, headers)
        return [body]


def _environ(request: Request) -> dict:
    """The WSGI environ prometheus_client reads. HEAD is rendered as GET: the server drops the body."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query,
        "SERVER_PROTOCOL": request.version,
        "wsgi.input": io.BytesIO(),
    }
    for name, value in request.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    # prometheus_client compresses whenever "gzip" is named, even refused (gzip;q=0): it is
    # told "gzip" only when gzip is acceptable. The rendering cache keys on this too.
    environ["HTTP_ACCEPT_ENCODING"] = "gzip" if accepts_gzip(request.headers.get("accept-encoding")) else ""
    return environ


def accepts_gzip(header: str | None) -> bool:
    """Whether ``Accept-Encoding`` accepts gzip (RFC 9110 12.5.3): named with a q above 0, or not
    named and ``*`` with a q above 0. No header: no compression, as prometheus_client and Go do."""
    if not header:
        return False
    gzip_q = star_q = None
    for item in header.split(","):
        coding, *parameters = item.split(";")
        coding = coding.strip().lower()
        q = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0  # a q we cannot read accepts nothing
        if coding in ("gzip", "x-gzip"):
            gzip_q = q if gzip_q is None else max(gzip_q, q)
        elif coding == "*":
            star_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def _text(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def landing_page(meters: Sequence[MeterState], telemetry_path: str, now: float | None = None) -> str:
    now = time.time() if now is None else now
    rows = []
    for meter in meters:
        snap = meter.snapshot
        age = "never" if snap.last_frame_at is None else f"{now - snap.last_frame_at:.1f} s ago"
        power = snap.fresh(snap.readout.apparent_power_va, now)
        watts = snap.fresh(snap.readout.active_power_w, now)
        kind = "<strong>SIMULATED meter — not real data</strong>" if snap.simulated else "real meter"
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{cell}</td>"
                for cell in (
                    html.escape(snap.meter),
                    kind,
                    html.escape(snap.identity.get("mode", "detecting…")),
                    "up" if snap.up(now) else "<strong>down</strong>",
                    age,
                    "—" if watts is None else f"{watts:.0f} W",
                    "—" if power is None else f"{power:.0f} VA",
                    str(snap.valid_frames),
                    str(snap.group_errors),
                    "yes" if snap.connected else "<strong>no</strong>",
                )
            )
            + "</tr>"
        )
    path = html.escape(telemetry_path)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>linky-exporter</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.2em .8em;text-align:left}}</style></head>
<body><h1>linky-exporter {html.escape(__version__)}</h1>
<p>Prometheus exporter for the Linky meter's customer output (TIC). Metrics: <a href="{path}">{path}</a></p>
<table><tr><th>meter</th><th>source</th><th>mode</th><th>state</th><th>last valid frame</th>
<th>active power</th><th>apparent power</th><th>valid frames</th><th>group errors</th><th>source open</th></tr>
{''.join(rows)}</table>
<p><a href="/-/healthy">/-/healthy</a> · <a href="/-/ready">/-/ready</a></p>
</body></html>
"""
