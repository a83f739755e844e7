"""The real command against hostile and impatient clients: idle TLS clients, a full house, SIGTERM under load."""

from __future__ import annotations

import re
import signal
import socket
import threading
import time

import pytest

from ..support.captures import fixture_path
from ..support.exporter_process import Exporter, wait_for
from ..support.http_client import client_context, closed_by_peer, connect, read_response, request
from ..support.tls_certs import make_certificates

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast&loop=1"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def tls_web_config(certs, tmp_path):
    path = tmp_path / "web.yml"
    path.write_text(f"tls_server_config:\n  cert_file: {certs.path('server.crt')}\n  key_file: {certs.path('server.key')}\n")
    return str(path)


@pytest.mark.slow
def test_idle_clients_on_the_tls_port_do_not_stall_scrapes(certs, tls_web_config):
    with Exporter("--tic.source", CAPTURE, "--web.config.file", tls_web_config, scheme="https") as exporter:
        idle = [socket.create_connection(("127.0.0.1", exporter.port)) for _ in range(30)]  # exec 3<>/dev/tcp/...
        try:
            for _ in range(5):
                with connect(exporter.port, client_context(certs.path("ca.crt")), timeout=5) as sock:
                    status, _, body = request(sock)
                    assert status == 200 and b"linky_exporter_build_info" in body
        finally:
            for sock in idle:
                sock.close()


@pytest.mark.slow
def test_the_read_timeout_flag_closes_idle_connections():
    with Exporter("--tic.source", CAPTURE, "--web.read-timeout", "300ms") as exporter:
        sock = socket.create_connection(("127.0.0.1", exporter.port), timeout=10)
        assert closed_by_peer(sock)


def connect_from(address: str, port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def http_counts(body: bytes) -> dict[str, float]:
    return {name: float(value) for name, value in re.findall(
        r"^linky_exporter_http_(connections|connections_refused_total|idle_connections_closed_total) (\S+)$", body.decode(), re.M)}


def test_the_cap_holds_with_more_idle_clients_than_it_allows_and_lets_another_address_in():
    with Exporter("--tic.source", CAPTURE, "--web.max-connections", "4") as exporter:
        # A watcher from a third address waits until the server has let go of the start-up
        # check's connection (closed by the client, perhaps not yet seen closed by the server):
        # from then on the table holds only the watcher, and the counts below are exact.
        with connect_from("127.0.0.3", exporter.port) as watcher:
            wait_for(lambda: http_counts(request(watcher, headers={"Accept": f"text/plain; n={time.monotonic()}"})[2])["connections"] == 1)
            crowd = [socket.create_connection(("127.0.0.1", exporter.port), timeout=10) for _ in range(20)]
            try:
                # A scraper from another address makes room, however fresh the crowd's connections are.
                with connect_from("127.0.0.2", exporter.port) as sock:
                    # Another Accept each time: the server reuses a rendering for the same headers for up to a second.
                    status, _, body = request(sock, headers={"Connection": "close", "Accept": f"text/plain; n={time.monotonic()}"})
                assert status == 200
                counts = http_counts(body)
                # The crowd got 3 places beside the watcher; each of its 17 newcomers was refused
                # (its equals were fresh) or pushed out one that had waited a second; the scraper
                # pushed out one more. The watcher, alone at its address, was never the one to go.
                assert counts["connections_refused_total"] + counts["idle_connections_closed_total"] == 18, counts
                assert counts["idle_connections_closed_total"] >= 1
                assert request(watcher)[0] == 200
            finally:
                for crowd_sock in crowd:
                    crowd_sock.close()


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/metrics", "/-/healthy", "/-/ready", "/nope"])
def test_head_on_every_endpoint(path):
    with Exporter("--tic.source", CAPTURE) as exporter, connect(exporter.port) as sock:
        get_status, get_headers, _ = request(sock, "GET", path)
        head_status, head_headers, body = request(sock, "HEAD", path)
        assert head_status == get_status and body == b""
        assert head_headers["content-type"] == get_headers["content-type"]
        if path != "/metrics":  # /metrics may change between the two requests
            assert head_headers["content-length"] == get_headers["content-length"]
        assert request(sock, "OPTIONS", path)[0] == 405


@pytest.mark.slow
def test_sigterm_under_load_finishes_every_scrape_and_exits_0():
    outcomes: dict[str, int] = {"ok": 0, "refused": 0, "cut": 0}
    lock = threading.Lock()
    stop = threading.Event()

    def scraper(port: int) -> None:
        while not stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError:
                outcome = "refused"  # after the stop: the listening socket is gone
            else:
                try:
                    status, _, body = request(sock, headers={"Connection": "close"})
                    outcome = "ok" if status == 200 and body.endswith(b"\n") else "cut"
                except OSError:
                    outcome = "cut"
                finally:
                    sock.close()
            with lock:
                outcomes[outcome] += 1
            if outcome == "refused":
                return

    with Exporter("--tic.source", CAPTURE) as exporter:
        threads = [threading.Thread(target=scraper, args=(exporter.port,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        wait_for(lambda: outcomes["ok"] >= 200, what="200 scrapes")
        started = time.monotonic()
        exporter.process.send_signal(signal.SIGTERM)
        assert exporter.process.wait(timeout=10) == 0
        exit_s = time.monotonic() - started
        stop.set()
        for thread in threads:
            thread.join(10)
    assert outcomes["cut"] == 0, outcomes
    assert exit_s < 6, exit_s  # the bound is 5 s of grace; a generous check that it is bounded at all
    assert "still being answered" not in exporter.log()


@pytest.mark.slow
def test_sigterm_is_not_held_up_by_idle_tls_clients(tls_web_config):
    with Exporter("--tic.source", CAPTURE, "--web.config.file", tls_web_config, scheme="https") as exporter:
        idle = [socket.create_connection(("127.0.0.1", exporter.port)) for _ in range(10)]
        half = socket.create_connection(("127.0.0.1", exporter.port))
        half.sendall(b"\x16\x03\x01")  # the first bytes of a ClientHello, then nothing
        try:
            exporter.process.send_signal(signal.SIGTERM)
            assert exporter.process.wait(timeout=10) == 0
            assert all(closed_by_peer(sock) for sock in idle)
        finally:
            for sock in [*idle, half]:
                sock.close()


def test_sigterm_drops_half_a_request_at_once_and_finishes_the_one_being_answered(tmp_path):
    import base64

    import bcrypt

    from linky_exporter.web.http_server import SHUTDOWN_GRACE_S

    # A costly hash: the right password's first check keeps its request being answered for a while.
    hashed = bcrypt.hashpw(b"right", bcrypt.gensalt(11)).decode()
    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    with Exporter("--tic.source", CAPTURE, "--web.config.file", str(config)) as exporter:
        half = socket.create_connection(("127.0.0.1", exporter.port), timeout=10)
        half.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        scrape = connect(exporter.port)
        try:
            scrape.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                           + base64.b64encode(b"prometheus:right") + b"\r\n\r\n")
            exporter.process.send_signal(signal.SIGTERM)
            # Before, the half request held the exit for the whole grace.
            assert exporter.process.wait(timeout=SHUTDOWN_GRACE_S) == 0
            status, headers, body = read_response(scrape)
            assert status == 200 and headers["connection"] == "close" and b"linky_exporter_build_info" in body
            assert closed_by_peer(half)
        finally:
            half.close()
            scrape.close()
    assert "still being answered" not in exporter.log()
