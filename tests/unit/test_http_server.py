"""The HTTP server itself, in this process, on real sockets and real TLS: deadlines, admission, shutdown."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
import time
from pathlib import Path

import bcrypt
import pytest

from linky_exporter.web import connections as connections_module
from linky_exporter.web import password_checks
from linky_exporter.web.connections import BUSY, CHECKING, IDLE, READING, WRITING, Connection, ConnectionTable
from linky_exporter.web.counts import HttpCounts
from linky_exporter.web.http_protocol import Request
from linky_exporter.web.http_server import HttpServer
from linky_exporter.web.server_config import WebConfig, load_web_config

from ..support.exporter_process import wait_for
from ..support.http_client import client_context, closed_by_peer, connect, read_response, request
from ..support.tls_certs import make_certificates


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def hello(request: Request):
    return 200, [("Content-Type", "text/plain")], f"hello {request.path}\n".encode()


class Serving:
    def __init__(self, handler=hello, web_config: WebConfig | None = None, **kwargs):
        self.server = HttpServer(handler, "127.0.0.1", 0, web_config, **kwargs)
        self.port = self.server.port

    def __enter__(self) -> HttpServer:
        self.server.start()
        return self.server

    def __exit__(self, *exc) -> None:
        self.server.stop(1.0)


def connect_from(address: str, port: int, timeout: float = 10.0) -> socket.socket:
    """A connection from another loopback address (127.0.0.2, ...): another client, as admission sees it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def auth_config(folder: Path, password: str = "right") -> WebConfig:
    path = folder / "web-auth.yml"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    path.write_text(f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    return load_web_config(path)


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


def tls_config(certs, folder: Path, extra: str = "") -> WebConfig:
    extra = extra.replace("{ca}", certs.path("ca.crt"))
    path = folder / "web.yml"
    path.write_text(f"tls_server_config:\n  cert_file: {certs.path('server.crt')}\n  key_file: {certs.path('server.key')}\n{extra}")
    return load_web_config(path)


@pytest.mark.slow
def test_idle_tls_clients_do_not_stall_a_request(certs, tmp_path):
    with Serving(web_config=tls_config(certs, tmp_path)) as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(20)]  # connect, send nothing
        try:
            with connect(server.port, client_context(certs.path("ca.crt")), timeout=5) as sock:
                assert request(sock, path="/x")[2] == b"hello /x\n"
        finally:
            for sock in idle:
                sock.close()


def test_idle_connections_cost_no_thread(certs, tmp_path):
    with Serving(web_config=tls_config(certs, tmp_path)) as server:
        before = set(threading.enumerate())  # a thread of an earlier test may still end meanwhile
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        try:
            wait_for(lambda: server.connection_count() == 50, what="50 connections held")
            assert set(threading.enumerate()) - before == set()
        finally:
            for sock in idle:
                sock.close()


@pytest.mark.parametrize("sent", [b"", b"GET /metrics HTTP/1.1\r\nHost: x\r\n"], ids=["nothing", "half a request"])
def test_the_read_timeout_closes_a_silent_or_slow_client(sent):
    with Serving(read_timeout=0.3) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(sent)
        assert closed_by_peer(sock)
        wait_for(lambda: server.connection_count() == 0, what="the connection forgotten")


def test_the_read_timeout_closes_a_tls_client_that_never_handshakes(certs, tmp_path):
    with Serving(web_config=tls_config(certs, tmp_path), read_timeout=0.3) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert closed_by_peer(sock)


def test_keep_alive_head_and_methods():
    with Serving() as server, connect(server.port) as sock:
        status, headers, body = request(sock, "GET", "/a")
        assert status == 200 and body == b"hello /a\n" and headers["content-length"] == "9"
        status, headers, body = request(sock, "HEAD", "/a")  # same connection: keep-alive
        assert status == 200 and headers["content-length"] == "9" and body == b""
        for method in ("OPTIONS", "POST", "DELETE"):
            status, headers, _ = request(sock, method, "/a")
            assert status == 405 and headers["allow"] == "GET, HEAD"
        status, _, _ = request(sock, "GET", "/b", headers={"Connection": "close"})
        assert status == 200 and closed_by_peer(sock)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /metrics HTTP/2.0\r\n\r\n", 505),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        (b"GET /metrics HTTP/1.1\r\nBad header\r\n\r\n", 400),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413),
        (b"GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417),
        (b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ],
)
def test_bad_requests_get_a_status_and_a_closed_connection(raw, status):
    with Serving() as server, connect(server.port) as sock:
        sock.sendall(raw)
        assert read_response(sock)[0] == status
        assert closed_by_peer(sock)


def test_http_1_0_is_answered_in_http_1_0_and_closed():
    with Serving() as server, connect(server.port) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        assert data.startswith(b"HTTP/1.0 200 OK\r\n") and data.endswith(b"hello /\n")


def test_a_crowd_from_one_address_makes_room_for_another_address():
    with Serving(max_connections=3) as server:
        crowd = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(3)]
        wait_for(lambda: server.connection_count() == 3, what="3 connections held")
        with connect_from("127.0.0.2", server.port) as sock:  # however fresh the crowd's connections
            assert request(sock)[0] == 200
        assert closed_by_peer(crowd[0])  # the crowd's that had waited the longest made room
        assert server.connection_count() <= 3
        for sock in crowd:
            sock.close()


def test_newcomers_from_the_same_address_replace_its_connections_at_a_bounded_pace(monkeypatch):
    monkeypatch.setattr(connections_module, "SETTLE_S", 3600.0)  # no token back, no connection settled, in the test
    with Serving(max_connections=2) as server:
        held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
        wait_for(lambda: server.connection_count() == 2, what="2 connections held")
        # As many replacements as the table holds at once: a scraper among idle clients gets in.
        for _ in range(2):
            with connect(server.port) as sock:
                assert request(sock, headers={"Connection": "close"})[0] == 200
                wait_for(lambda: server.connection_count() == 1, what="the scraper's connection closed")
            held.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
            wait_for(lambda: server.connection_count() == 2, what="2 connections held again")
        assert server.counts.pushed_out == 2 and all(closed_by_peer(sock) for sock in held[:2])
        refused = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert closed_by_peer(refused)  # no replacement left, and its equals have not waited SETTLE_S
        assert server.counts.refused == 1
        monkeypatch.setattr(connections_module, "SETTLE_S", 0.0)
        with connect(server.port) as sock:
            assert request(sock)[0] == 200
        assert server.counts.pushed_out == 3
        for sock in [*held, refused]:
            sock.close()


def test_an_authenticated_connection_is_never_pushed_out(tmp_path, monkeypatch):
    monkeypatch.setattr(connections_module, "SETTLE_S", 0.0)
    with Serving(web_config=auth_config(tmp_path), max_connections=2) as server:
        trusted = connect_from("127.0.0.2", server.port)
        assert request(trusted, headers=basic("prometheus", "right"))[0] == 200  # now idle, keep-alive
        untrusted = connect_from("127.0.0.3", server.port)
        assert request(untrusted, headers=basic("prometheus", "wrong"))[0] == 401
        newcomers = [connect_from(f"127.0.0.{4 + i}", server.port) for i in range(3)]
        assert closed_by_peer(untrusted)  # the first newcomer took its place; each next one the one before
        assert all(closed_by_peer(sock) for sock in newcomers[:2])
        assert request(trusted, path="/still", headers=basic("prometheus", "right"))[2] == b"hello /still\n"
        for sock in [trusted, untrusted, *newcomers]:
            sock.close()


def test_a_client_that_reads_no_response_makes_room():
    def big(request: Request):
        return 200, [("Content-Type", "text/plain")], b"x" * 8_000_000

    def never_reading(port: int) -> socket.socket:
        # A small receive window, fixed before connecting (no autotuning): the kernel's
        # buffers cannot swallow the responses, so the server really is stuck writing.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", port))
        return sock

    with Serving(big, max_connections=2) as server:
        stuck = [never_reading(server.port) for _ in range(2)]
        for sock in stuck:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4)  # pipelined, never read
        wait_for(lambda: [c.state for c in server.connections.all()] == [WRITING, WRITING], what="the responses stuck")
        with connect_from("127.0.0.2", server.port) as sock:
            assert request(sock)[0] == 200
        assert server.counts.pushed_out == 1  # one of the stuck connections made room
        for sock in stuck:
            sock.close()


def test_pipelined_requests_are_answered_in_order():
    with Serving() as server, connect(server.port) as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [body for _, _, body in read_pipelined(sock, [False] * 3)] == [b"hello /a\n", b"hello /b\n", b"hello /c\n"]
        assert closed_by_peer(sock)  # what came after Connection: close is not answered


@pytest.fixture
def held_bcrypt(monkeypatch):
    """bcrypt.checkpw held until released, recording the passwords in the order they are checked."""
    real = bcrypt.checkpw
    checked: list[bytes] = []
    release = threading.Event()

    def checkpw(password: bytes, hashed_password: bytes) -> bool:
        checked.append(password)
        release.wait(30)
        return real(password, hashed_password)

    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    yield checked, release
    release.set()


def test_password_checks_queue_in_turn_per_address_and_answer_at_once_when_full(tmp_path, held_bcrypt, monkeypatch):
    checked, release = held_bcrypt
    monkeypatch.setattr(password_checks, "QUEUED", 4)
    with Serving(web_config=auth_config(tmp_path)) as server:
        def send(address: str, password: str) -> socket.socket:
            sock = connect_from(address, server.port)
            lines = [f"GET /{password} HTTP/1.1", "Host: x", *(f"{k}: {v}" for k, v in basic("prometheus", password).items())]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            return sock

        first = send("127.0.0.1", "a1")
        wait_for(lambda: checked == [b"a1"], what="the first check running")
        queued = [send("127.0.0.1", "a2"), send("127.0.0.2", "right"), send("127.0.0.3", "c1")]
        wait_for(lambda: len(server.answerer.checks) == 4, what="4 checks queued")
        assert [c.state for c in server.connections.all()].count(CHECKING) == 4
        over_share = send("127.0.0.1", "a3")  # 127.0.0.1 has its 2 checks under way
        status, headers, _ = read_response(over_share)
        assert status == 429 and headers["retry-after"] == "1" and headers["connection"] == "close"
        full = send("127.0.0.4", "d1")  # 4 checks under way in all
        status, headers, _ = read_response(full)
        assert status == 503 and headers["retry-after"] == "1"
        release.set()
        assert [read_response(sock)[0] for sock in [first, *queued]] == [401, 401, 200, 401]
        assert checked == [b"a1", b"right", b"c1", b"a2"]  # in turn: 127.0.0.1's second waited for the others
        assert server.counts.responses() == {200: 1, 401: 3, 429: 1, 503: 1}
        for sock in [first, *queued, over_share, full]:
            sock.close()


def test_the_same_credentials_are_checked_once_however_many_wait(tmp_path, held_bcrypt):
    checked, release = held_bcrypt
    with Serving(web_config=auth_config(tmp_path)) as server:
        socks = [connect_from(f"127.0.0.{1 + i}", server.port) for i in range(3)]
        for sock in socks:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic("prometheus", "right")["Authorization"].encode() + b"\r\n\r\n")
        wait_for(lambda: checked == [b"right"] and len(server.answerer.checks) == 1
                 and [c.state for c in server.connections.all()].count(CHECKING) == 3, what="3 requests on one check")
        release.set()
        assert [read_response(sock)[0] for sock in socks] == [200, 200, 200]
        assert checked == [b"right"]
        for sock in socks:
            sock.close()


def test_the_cap_refuses_when_every_connection_is_busy():
    release = threading.Event()

    def slow(request: Request):
        release.wait(10)
        return hello(request)

    with Serving(slow, max_connections=2) as server:
        busy = [connect(server.port) for _ in range(2)]
        for sock in busy:
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_for(lambda: server.connection_count() == 2 and server.connections.idle_count() == 0, what="2 requests being answered")
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        assert closed_by_peer(extra)
        release.set()
        for sock in busy:
            assert read_response(sock)[2] == b"hello /slow\n"
            sock.close()


def test_stop_finishes_requests_under_way():
    started = threading.Semaphore(0)

    def slow(request: Request):
        started.release()
        time.sleep(0.5)
        return hello(request)

    serving = Serving(slow)
    server = serving.server
    server.start()
    clients = [connect(server.port) for _ in range(3)]
    idle = connect(server.port)
    request(idle)  # served once, now idle between requests
    for sock in clients:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    for _ in clients:
        assert started.acquire(timeout=10)
    assert server.stop(5.0) == 0
    for sock in clients:
        status, headers, body = read_response(sock)
        assert (status, body) == (200, b"hello /slow\n") and headers["connection"] == "close"
    assert closed_by_peer(idle)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2)


def test_stop_is_bounded_when_a_request_never_finishes():
    release = threading.Event()

    def stuck(request: Request):
        release.wait(30)
        return hello(request)

    serving = Serving(stuck)
    serving.server.start()
    sock = connect(serving.server.port)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_for(lambda: serving.server.connections.idle_count() == 0 and serving.server.connection_count() == 1, what="the request under way")
    started = time.monotonic()
    assert serving.server.stop(0.5) == 1
    assert time.monotonic() - started < 5
    release.set()


def test_response_headers_from_the_web_config(tmp_path):
    path = tmp_path / "web.yml"
    path.write_text("http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n")
    with Serving(web_config=load_web_config(path)) as server, connect(server.port) as sock:
        for method in ("GET", "HEAD", "POST"):
            headers = request(sock, method)[1]
            assert headers["x-frame-options"] == "deny" and headers["x-content-type-options"] == "nosniff"


def test_rate_limit_answers_429(tmp_path):
    path = tmp_path / "web.yml"
    path.write_text("rate_limit:\n  interval: 1h\n  burst: 2\n")
    with Serving(web_config=load_web_config(path)) as server, connect(server.port) as sock:
        assert [request(sock)[0] for _ in range(4)] == [200, 200, 429, 429]


def test_client_allowed_sans_on_a_verified_certificate(certs, tmp_path):
    config = tls_config(certs, tmp_path, "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {ca}\n"
                                         "  client_allowed_sans: [prometheus.example]\n")
    with Serving(web_config=config) as server:
        good = client_context(certs.path("ca.crt"), (certs.path("client.crt"), certs.path("client.key")))
        with connect(server.port, good) as sock:
            assert request(sock)[0] == 200
        other = client_context(certs.path("ca.crt"), (certs.path("other-client.crt"), certs.path("other-client.key")))
        with connect(server.port, other) as sock:
            with pytest.raises((ConnectionError, ssl.SSLError, OSError)):
                request(sock)
        stranger = client_context(certs.path("ca.crt"), (certs.path("stranger.crt"), certs.path("stranger.key")))
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            with connect(server.port, stranger) as sock:
                request(sock)
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            with connect(server.port, client_context(certs.path("ca.crt"))) as sock:  # no certificate at all
                request(sock)


def test_verify_client_cert_if_given(certs, tmp_path):
    config = tls_config(certs, tmp_path, "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: {ca}\n")
    with Serving(web_config=config) as server:
        with connect(server.port, client_context(certs.path("ca.crt"))) as sock:  # none given: fine
            assert request(sock)[0] == 200
        good = client_context(certs.path("ca.crt"), (certs.path("client.crt"), certs.path("client.key")))
        with connect(server.port, good) as sock:
            assert request(sock)[0] == 200
        stranger = client_context(certs.path("ca.crt"), (certs.path("stranger.crt"), certs.path("stranger.key")))
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            with connect(server.port, stranger) as sock:
                request(sock)


def test_tls_versions_and_curve_are_enforced(certs, tmp_path):
    config = tls_config(certs, tmp_path, "  min_version: TLS13\n  curve_preferences: [CurveP384]\n")
    with Serving(web_config=config) as server:
        old = client_context(certs.path("ca.crt"))
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            connect(server.port, old).close()
        with connect(server.port, client_context(certs.path("ca.crt"))) as sock:
            assert sock.version() == "TLSv1.3" and request(sock)[0] == 200


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table_of_3():
    pairs = [socket.socketpair() for _ in range(12)]
    clock = Clock()
    counts = HttpCounts()
    table = ConnectionTable(3, counts, clock)
    yield table, clock, counts, iter(left for left, _ in pairs)
    for left, right in pairs:
        left.close()
        right.close()


def test_the_table_makes_room_from_the_address_holding_the_most(table_of_3):
    table, clock, counts, socks = table_of_3
    a1, a2, b1 = Connection(next(socks), "A"), Connection(next(socks), "A"), Connection(next(socks), "B")
    assert table.admit(a1) and table.admit(a2) and table.admit(b1)
    c1 = Connection(next(socks), "C")
    assert table.admit(c1)  # A holds 2, more than C would: A's longest wait goes, however fresh
    assert a1.dropped and not a2.dropped and not b1.dropped
    assert (table.held_by("A"), table.held_by("B"), table.held_by("C")) == (1, 1, 1)
    # Everyone holds 1, as a newcomer would: the longest wait among equals goes, 3 at once at most
    # (the table's size) before they have waited SETTLE_S.
    for name, pushed in (("D", a2), ("E", b1), ("F", c1)):
        assert table.admit(Connection(next(socks), name)) and pushed.dropped
    assert not table.admit(Connection(next(socks), "G"))
    clock.now += connections_module.SETTLE_S
    assert table.admit(Connection(next(socks), "H"))
    assert (counts.held, counts.pushed_out, counts.refused) == (3, 5, 1)


def test_the_table_orders_waits_by_their_start_and_never_pushes_out_trusted(table_of_3):
    table, clock, counts, socks = table_of_3
    a, b, c = (Connection(next(socks), "A") for _ in range(3))
    assert table.admit(a) and table.admit(b) and table.admit(c)
    clock.now += 10
    table.set_state(a, BUSY)
    table.set_state(a, IDLE)  # a's new wait began last
    table.set_state(b, READING)  # b keeps its place: half a request is no reason to stay
    assert table.admit(d := Connection(next(socks), "A"))  # pushes out b, waiting the longest
    assert b.dropped and not c.dropped and len(table) == 3
    table.set_state(c, BUSY)  # being answered
    table.trust(d)  # has authenticated
    table.set_state(a, CHECKING)  # its password waits for bcrypt: a wait like any other
    clock.now += 10
    assert table.admit(e := Connection(next(socks), "A"))
    assert a.dropped and not c.dropped and not d.dropped
    table.set_state(e, WRITING)  # its client reads no response
    clock.now += 10
    assert table.admit(f := Connection(next(socks), "A"))
    assert e.dropped and table.idle_count() == 1  # f, new; c busy, d trusted
    table.set_state(f, BUSY)
    clock.now += 10
    assert not table.admit(Connection(next(socks), "A"))  # all busy or trusted: its equals keep theirs
    table.set_state(d, IDLE)
    assert table.idle_count() == 0  # trusted for good
    assert table.admit(b := Connection(next(socks), "B"))  # A holds more than B would: one of its busy ones goes
    assert (c.dropped or f.dropped) and not d.dropped
    assert table.admit(Connection(next(socks), "B"))  # A holds as many as B would: B's own wait goes
    assert b.dropped and not d.dropped
    assert (counts.held, counts.pushed_out, counts.refused) == (3, 5, 1)


def test_responses_are_counted_by_status_for_the_metrics():
    with Serving() as server:
        with connect(server.port) as sock:
            assert request(sock, path="/")[0] == 200
            assert request(sock, method="OPTIONS", path="/")[0] == 405
        with connect(server.port) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nbad header\r\n\r\n")
            assert read_response(sock)[0] == 400
        wait_for(lambda: server.connection_count() == 0, what="the connections closed")
        assert server.counts.responses() == {200: 1, 400: 1, 405: 1}
        assert server.counts.held == 0
