"""A client of the Prometheus HTTP API (Prometheus or VictoriaMetrics): instant and range
queries, label values; basic auth, a bearer token and TLS as Prometheus's own clients
configure them (a CA file, a client certificate, or no verification when asked).

Range queries are cut into requests of at most MAX_POINTS steps (Prometheus refuses
more than 11 000 points per series) and run a few at a time.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

MAX_POINTS = 10_000
PARALLEL = 4
T = TypeVar("T")
R = TypeVar("R")


class ApiError(Exception):
    """The store could not answer: one line that says which and why."""


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]  # (Unix seconds, value)


@dataclass(frozen=True)
class ClientOptions:
    url: str = "http://127.0.0.1:9090"
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    timeout: float = 120.0


class PrometheusApi:
    def __init__(self, options: ClientOptions):
        self.options = options
        self.url = options.url.rstrip("/")
        scheme = urllib.parse.urlsplit(self.url).scheme
        if scheme not in ("http", "https") or not urllib.parse.urlsplit(self.url).netloc:
            raise ApiError(f"--prometheus.url: {options.url!r} is not an http:// or https:// URL")
        self._context = self._tls() if scheme == "https" else None
        self._headers = {"Accept": "application/json", "User-Agent": "linky-exporter report"}
        if options.username is not None:
            pair = f"{options.username}:{options.password or ''}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        elif options.bearer_token is not None:
            self._headers["Authorization"] = f"Bearer {options.bearer_token}"
        self._lock = threading.Lock()
        self.requests = 0
        self.seconds = 0.0  # time spent waiting for answers, summed over requests

    def _tls(self) -> ssl.SSLContext:
        options = self.options
        try:
            context = ssl.create_default_context(cafile=options.ca_file)
            if options.cert_file:
                context.load_cert_chain(options.cert_file, options.key_file)
        except (OSError, ssl.SSLError) as error:
            raise ApiError(f"--prometheus TLS files: {error.strerror or error}") from None
        if options.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _call(self, path: str, params: list[tuple[str, str]], post: bool = True) -> Any:
        """POST (queries: their expressions can be long) or GET (label values accept only GET)."""
        encoded = urllib.parse.urlencode(params)
        if post:
            request = urllib.request.Request(self.url + path, data=encoded.encode(), method="POST", headers={
                **self._headers, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            request = urllib.request.Request(f"{self.url}{path}?{encoded}", headers=self._headers)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout, context=self._context) as response:
                document = json.load(response)
        except urllib.error.HTTPError as error:
            raise ApiError(self._http_error(error)) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise ApiError(f"{self.url} cannot be read: {reason}") from None
        finally:
            with self._lock:
                self.requests += 1
                self.seconds += time.monotonic() - started
        if not isinstance(document, dict) or document.get("status") != "success":
            raise ApiError(f"{self.url}{path}: {document.get('error', document) if isinstance(document, dict) else document}")
        return document["data"]

    def _http_error(self, error: urllib.error.HTTPError) -> str:
        if error.code == 401:
            return f"{self.url}: 401 Unauthorized: check --prometheus.username and --prometheus.password-file"
        if error.code == 403:
            return f"{self.url}: 403 Forbidden"
        try:
            detail = json.loads(error.read()).get("error", "")
        except (ValueError, AttributeError, OSError):
            detail = ""
        return f"{self.url}: HTTP {error.code}" + (f": {' '.join(str(detail).split())}" if detail else "")

    def query(self, expr: str, at: float) -> list[Series]:
        """An instant query at ``at``: each series with its one value, or its raw samples for a range selector."""
        data = self._call("/api/v1/query", [("query", expr), ("time", f"{at:.3f}")])
        return _series(data)

    def query_range(self, expr: str, start: float, end: float, step: int) -> list[Series]:
        """Evaluations at start, start + step, ... <= end, in requests of MAX_POINTS steps at most."""
        chunks = []
        first = start
        while first <= end:
            last = min(end, first + (MAX_POINTS - 1) * step)
            chunks.append((first, last))
            first = last + step
        answers = self.parallel(lambda span: _series(self._call("/api/v1/query_range", [
            ("query", expr), ("start", f"{span[0]:.3f}"), ("end", f"{span[1]:.3f}"), ("step", str(step)),
            ("nocache", "1"),  # VictoriaMetrics: no cache, no alignment of start on the step
        ])), chunks)
        merged: dict[tuple, Series] = {}
        for answer in answers:
            for series in answer:
                key = tuple(sorted(series.labels.items()))
                if key in merged:
                    merged[key].points.extend(series.points)
                else:
                    merged[key] = Series(series.labels, list(series.points))
        return list(merged.values())

    def label_values(self, label: str, match: str, start: float, end: float) -> list[str]:
        data = self._call(f"/api/v1/label/{label}/values",
                          [("match[]", match), ("start", f"{start:.3f}"), ("end", f"{end:.3f}")], post=False)
        return sorted(data)

    def parallel(self, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        items = list(items)
        if len(items) <= 1:
            return [call(item) for item in items]
        with ThreadPoolExecutor(min(PARALLEL, len(items))) as pool:
            return list(pool.map(call, items))


def _series(data: dict) -> list[Series]:
    kind, result = data.get("resultType"), data.get("result", [])
    if kind == "vector":
        return [Series(r["metric"], [(float(r["value"][0]), float(r["value"][1]))]) for r in result]
    if kind == "matrix":
        return [Series(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in result]
    if kind == "scalar":
        return [Series({}, [(float(result[0]), float(result[1]))])]
    return []
