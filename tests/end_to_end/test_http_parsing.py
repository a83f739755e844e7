"""Requests as h11 reads them, sent by a raw socket client to the real command: odd but valid ones are
answered, malformed ones get a status, are counted in linky_exporter_http_responses_total, and cost the
log one line a minute at most (never a traceback)."""

from __future__ import annotations

import gzip
import re
import socket
import time

import pytest

from ..support.captures import fixture_path
from ..support.exporter_process import Exporter
from ..support.http_client import closed_by_peer, read_response

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast&loop=1"


@pytest.fixture(scope="module")
def exporter():
    # A read timeout far longer than the client's: a request the server waits on instead of
    # answering fails the test by the client's timeout, never by a figure.
    with Exporter("--tic.source", CAPTURE, "--web.read-timeout", "120s") as running:
        yield running


def exchange(port: int, raw: bytes, head_only: bool = False) -> tuple[int, dict[str, str], bytes, socket.socket]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(raw)
    status, headers, body = read_response(sock, head_only=head_only)
    return status, headers, body, sock


def responses_by_code(exporter: Exporter) -> dict[str, float]:
    # Another Accept each time: the server reuses a rendering for the same headers for up to a second.
    body = exporter.get("/metrics", headers={"Accept": f"text/plain; n={time.monotonic()}"})[1]
    return {code: float(value) for code, value in re.findall(r'^linky_exporter_http_responses_total\{code="(\d+)"\} (\S+)$', body, re.M)}


def read_pipelined(sock: socket.socket, heads_only: list[bool]) -> list[tuple[int, dict[str, str], bytes]]:
    """One response per entry of ``heads_only`` (True: the answer to a HEAD), split by Content-Length."""
    data, responses = b"", []
    for head_only in heads_only:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before a whole response head: {data!r}")
            data += chunk
        head, _, data = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(data) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed in the middle of a response body")
            data += chunk
        responses.append((int(status_line.split()[1]), headers, data[:length]))
        data = data[length:]
    return responses


MALFORMED = [
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n", 400, id="Content-Length: superscript two"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n\r\n", 400, id="Content-Length: superscript two in UTF-8"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"1" * 5000 + b"\r\n\r\n", 400, id="Content-Length: 5000 digits"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, id="two Content-Lengths"),
    pytest.param(b"GET /metrics HTTP/1.1\r\n\r\n", 400, id="HTTP/1.1 without Host"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, id="two Hosts"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n", 417, id="an unknown Expect"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, id="a chunked body"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413, id="a body over 64 KiB"),
    pytest.param(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431, id="a head over 16 KiB"),
    pytest.param(b"GET /metrics HTTP/3\r\nHost: x\r\n\r\n", 400, id="a version h11 cannot read"),
    pytest.param(b"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505, id="HTTP/2.0 as text"),
    pytest.param(b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n", 400, id="a non-ASCII target"),
    pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, id="TLS on the plain port"),
]


@pytest.mark.parametrize(("raw", "status"), MALFORMED)
def test_a_malformed_request_gets_a_status_is_counted_and_closed(exporter, raw, status):
    before = responses_by_code(exporter).get(str(status), 0)
    got, _, _, sock = exchange(exporter.port, raw)
    with sock:
        assert got == status
        assert closed_by_peer(sock)
    assert responses_by_code(exporter)[str(status)] == before + 1
    assert "Traceback" not in exporter.log()


def test_a_flood_of_malformed_requests_costs_the_log_one_line(exporter):
    before = responses_by_code(exporter).get("400", 0)
    for _ in range(200):
        status, _, _, sock = exchange(exporter.port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n")
        sock.close()
        assert status == 400
    assert responses_by_code(exporter)["400"] == before + 200
    log = exporter.log()
    assert len([line for line in log.splitlines() if "malformed request" in line]) <= 1
    assert "Traceback" not in log


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"GET /-/healthy HTTP/1.1\r\nHost: x\n\r\n", id="a head ending in LF CR LF"),
        pytest.param(b"GET /-/healthy HTTP/1.1\nHost: x\n\n", id="bare LFs"),
        pytest.param(b"\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n", id="blank lines before the request"),
        pytest.param(b"GET /-/healthy HTTP/1.0\r\n\r\n", id="HTTP/1.0 without Host"),
        pytest.param(b"GET http://x/-/healthy HTTP/1.1\r\nHost: x\r\n\r\n", id="absolute form"),
        pytest.param(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", id="a body, dropped"),
    ],
)
def test_odd_but_valid_requests_are_answered_at_once(exporter, raw):
    status, _, body, sock = exchange(exporter.port, raw)
    sock.close()
    assert (status, body) == (200, b"Healthy\n")


def test_expect_100_continue_is_answered_at_once_without_the_body(exporter):
    status, headers, body, sock = exchange(
        exporter.port, b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n"
    )
    with sock:
        assert (status, body) == (200, b"Healthy\n")
        assert headers["connection"] == "close" and closed_by_peer(sock)  # the body it holds back is never read


def test_keep_alive_and_pipelining_on_the_real_command(exporter):  # /-/healthy: /-/ready may still be 503
    sock = socket.create_connection(("127.0.0.1", exporter.port), timeout=10)
    with sock:
        sock.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nHEAD /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        (_, _, body), (status, headers, head_body) = read_pipelined(sock, [False, True])
        assert body == b"Healthy\n"
        assert (status, headers["content-length"], head_body) == (200, "8", b"")
        sock.sendall(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_response(sock)[0] == 404 and closed_by_peer(sock)


@pytest.mark.parametrize(
    ("accept_encoding", "compressed"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("*", True),
        ("GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("identity", False),
        ("deflate, *;q=0", False),
        ("*, gzip;q=0", False),
        (None, False),
    ],
)
def test_gzip_is_sent_only_when_accepted(exporter, accept_encoding, compressed):
    lines = ["GET /metrics HTTP/1.1", "Host: x", "Connection: close", f"Accept: text/plain; n={time.monotonic()}"]
    if accept_encoding is not None:
        lines.append(f"Accept-Encoding: {accept_encoding}")
    status, headers, body, sock = exchange(exporter.port, ("\r\n".join(lines) + "\r\n\r\n").encode())
    sock.close()
    assert status == 200
    assert (headers.get("content-encoding") == "gzip") is compressed
    text = gzip.decompress(body) if compressed else body
    assert b"linky_exporter_build_info" in text
