"""What the exporter serves: /metrics (text or OpenMetrics), the live page at /, its data
at /api/live, /-/healthy, /-/ready.

prometheus_client chooses the format from the Accept header; the meters' part of
the metrics is rendered by render.py (the same text, cached per meter and per
series), the rest (process metrics) and a ``name[]`` query by prometheus_client's
WSGI app. This module adds the live page (live_page.py, live.py)
and the health endpoints. Connections, TLS, authentication and limits are
web/http_server.py's: every path here is behind the same ones.
"""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import choose_encoder, gzip_accepted
from prometheus_client.registry import Collector

from ..meter import MeterState
from ..web.http_protocol import Request
from .live import live_document
from .live_page import HEADERS as PAGE_HEADERS
from .live_page import live_page
from .render import MeterRenderer

if TYPE_CHECKING:
    from ..config.settings import Prices

StartResponse = Callable[..., object]
#: How long a rendered /metrics response may be reused (process_* metrics age that much at most).
RENDER_CACHE_S = 1.0
#: The live page's data (docs/live.md).
LIVE_PATH = "/api/live"


class ExporterApp:
    def __init__(
        self,
        registry: CollectorRegistry,
        meters: Sequence[MeterState],
        telemetry_path: str = "/metrics",
        ready: Callable[[], bool] = lambda: True,
        prices: Mapping[str, Prices] | None = None,
        renderer: MeterRenderer | None = None,
        others: Collector | None = None,
    ):
        """``registry`` holds every collector; with ``renderer`` (of the meters' collector,
        registered first) and ``others`` (the collectors registered after it), a GET
        renders the meters through ``renderer`` and only ``others`` through prometheus_client."""
        self.metrics_app = make_wsgi_app(registry)
        self.renderer = renderer
        self.others = others
        self.meters = meters
        self.telemetry_path = telemetry_path
        self.ready = ready
        self.prices = prices
        self._rendered: tuple | None = None  # (key, expiry, (status, headers, body))
        self._live: tuple | None = None  # (key, expiry, body)

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
            body = live_page(self.meters, self.telemetry_path).encode()
            start_response("200 OK", [*PAGE_HEADERS, ("Content-Length", str(len(body)))])
            return [body]
        if path == LIVE_PATH:
            body = self._live_json()
            start_response("200 OK", [("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("Content-Length", str(len(body)))])
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
            status, headers, body = self._render(environ)
            wall = time.time()
            stale_in = min((snap.next_change(wall) for snap in snapshots), default=float("inf")) - wall
            self._rendered = (key, now + min(RENDER_CACHE_S, stale_in), (status, headers, body))
        start_response(status, headers)
        return [body]

    def _render(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """What prometheus_client's app answers to this GET (format, gzip), the meters rendered by ``renderer``."""
        if self.renderer is None or "name[]" in parse_qs(environ.get("QUERY_STRING", "")):
            response: list = []
            body = b"".join(self.metrics_app(environ, lambda status, headers, exc_info=None: response.extend((status, headers))))
            return response[0], response[1], body
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT"))
        openmetrics = content_type.startswith("application/openmetrics-text")
        body = self.renderer.render(openmetrics).encode()
        if self.others is not None:
            body += encoder(self.others)  # OpenMetrics' "# EOF" included
        elif openmetrics:
            body += b"# EOF\n"
        headers = [("Content-Type", content_type)]
        if gzip_accepted(environ.get("HTTP_ACCEPT_ENCODING")):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
        return "200 OK", headers, body

    def _live_json(self) -> bytes:
        """The live page's document, shared like /metrics by the clients of the same second."""
        snapshots = [meter.snapshot for meter in self.meters]
        key = tuple(snap.version for snap in snapshots)
        now = time.monotonic()
        cached = self._live
        if cached is not None and cached[0] == key and now < cached[1]:
            return cached[2]
        body = json.dumps(live_document(self.meters, self.prices), separators=(",", ":")).encode()
        self._live = (key, now + RENDER_CACHE_S, body)
        return body


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
