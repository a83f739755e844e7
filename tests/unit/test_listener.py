"""The listening socket stops taking new clients at shutdown without resetting those let in."""

from __future__ import annotations

import socket

import pytest

from linky_exporter.web.listener import listen, stop_taking_new_clients


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
