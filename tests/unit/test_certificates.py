"""A renewed certificate is served without a restart; one caught half-way is not, and says so."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from linky_exporter.web.http_protocol import Request
from linky_exporter.web.http_server import HttpServer
from linky_exporter.web.server_config import load_web_config

from ..support.http_client import client_context, connect, request
from ..support.processes import wait_for
from ..support.tls_certs import make_certificates, renew_server_certificate


def hello(request: Request):
    return 200, [("Content-Type", "text/plain")], b"hello\n"


def install(source: Path, target: Path) -> None:
    """Replace ``target`` at once, as certbot and cert-manager do (a new file behind the same path)."""
    shutil.copy(source, target.with_suffix(".new"))
    os.replace(target.with_suffix(".new"), target)


@pytest.mark.slow
def test_a_renewed_certificate_is_served_to_new_connections_and_a_broken_one_is_not(tmp_path, caplog):
    certs = make_certificates(tmp_path / "certs")
    live_crt, live_key = tmp_path / "live.crt", tmp_path / "live.key"
    install(Path(certs.path("server.crt")), live_crt)
    install(Path(certs.path("server.key")), live_key)
    (tmp_path / "web.yml").write_text("tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n")
    server = HttpServer(hello, "127.0.0.1", 0, load_web_config(tmp_path / "web.yml"))
    server.start()
    trusting = client_context(certs.path("ca.crt"))

    def served_certificate() -> bytes:
        with connect(server.port, trusting) as sock:
            assert request(sock, path="/")[0] == 200
            return sock.getpeercert(binary_form=True)

    try:
        first = served_certificate()
        kept_open = connect(server.port, trusting)
        renewed_crt, renewed_key = renew_server_certificate(certs, "renewed")
        install(renewed_key, live_key)
        install(renewed_crt, live_crt)
        wait_for(lambda: served_certificate() != first, timeout=10, what="the renewed certificate")
        renewed = served_certificate()
        assert request(kept_open, path="/")[0] == 200  # a connection already open keeps its session
        # Half-way through the next renewal: a new certificate, the key not yet replaced.
        caplog.set_level(logging.WARNING, logger="linky_exporter.web.certificates")
        other_crt, _ = renew_server_certificate(certs, "other")
        install(other_crt, live_crt)
        # The files are looked at when a client connects, once a second at most.
        wait_for(lambda: served_certificate() == renewed and "still serving the certificate loaded before" in caplog.text,
                 timeout=10, what="the warning")
        assert caplog.text.count("still serving") == 1  # once per change, not once per connection
        kept_open.close()
    finally:
        server.stop(1.0)
