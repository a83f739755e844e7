"""The listening socket stops taking new clients at shutdown without resetting those let in."""

from __future__ import annotations

import socket

import pytest

from linky_exporter.web.listener import client_address, listen, stop_taking_new_clients


@pytest.mark.parametrize("host, family", [("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)])
def test_a_stopped_listener_lets_no_new_client_in_and_keeps_the_queued_ones(host, family):
    listener = listen(host, 0)
    port = listener.getsockname()[1]
    queued = socket.create_connection((host, port), timeout=5)  # completed by the kernel, not accepted yet
    assert stop_taking_new_clients(listener)
    queued.sendall(b"GET / HTTP/1.1\r\n\r\n")
    late = socket.socket(family)
    late.settimeout(0.5)
    with pytest.raises(TimeoutError):  # its SYN goes unanswered: it never connected
        late.connect((host, port))
    listener.setblocking(True)
    listener.settimeout(5)
    accepted, _ = listener.accept()
    assert accepted.recv(100) == b"GET / HTTP/1.1\r\n\r\n"  # the queued client's bytes still arrive
    listener.settimeout(0.2)
    with pytest.raises(TimeoutError):
        listener.accept()  # and the late one is not in the queue
    for sock in (accepted, queued, late, listener):
        sock.close()


@pytest.mark.parametrize("host", ["", "::"])
def test_no_host_or_the_ipv6_wildcard_listens_on_ipv4_and_ipv6_as_go_does(host):
    assert socket.has_dualstack_ipv6(), "this machine has no IPv6: the test cannot tell"
    listener = listen(host, 0)
    port = listener.getsockname()[1]
    clients = [socket.create_connection((address, port), timeout=5) for address in ("127.0.0.1", "::1")]
    assert stop_taking_new_clients(listener)  # the filter reads IPv4 clients of an IPv6 socket alike
    late = socket.socket(socket.AF_INET)
    late.settimeout(0.5)
    with pytest.raises(TimeoutError):
        late.connect(("127.0.0.1", port))
    listener.setblocking(True)
    listener.settimeout(5)
    peers = {client_address(listener.accept()[1]) for _ in clients}
    assert peers == {"127.0.0.1", "::1"}  # an IPv4 client by its IPv4 address
    for sock in (*clients, late, listener):
        sock.close()


def test_an_ipv4_address_listens_on_ipv4_only():
    listener = listen("127.0.0.1", 0)
    assert listener.family == socket.AF_INET
    listener.close()


def test_serving_does_not_import_ctypes_until_shutdown():
    """ctypes (0.4 MB of RSS for the process's whole life) is imported by the shutdown filter only."""
    import subprocess
    import sys

    code = "import sys, linky_exporter.commands.serve; print('ctypes' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
