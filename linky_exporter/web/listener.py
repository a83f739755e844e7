"""The listening socket: a long accept queue, and a close that resets no client it let in.

Closing a listening socket resets every connection the kernel has completed
but the server has not accepted yet: a client that connected in the
microseconds between the last accept() and the close gets a reset instead of
an answer. So at shutdown the socket first stops taking new clients, while the
handshakes under way finish (on Linux, a socket filter drops every packet that
opens a connection: a new client's SYN goes unanswered, and its retry finds the
port closed, refused); then what is queued is accepted and served, then the
socket closes. A client is either served or never connected.
"""

from __future__ import annotations

import socket
import struct

LISTEN_BACKLOG = 1024
#: How long the handshakes under way at shutdown get to finish: an ACK a round trip
#: behind its SYN-ACK (a LAN's is under a millisecond) is still let in.
HANDSHAKE_SETTLE_S = 0.05

# Classic BPF (<linux/filter.h>), run on each packet the listening socket receives,
# its TCP header at offset 0: drop a SYN without ACK (a new connection), keep the rest.
_SO_ATTACH_FILTER = 26
_TCP_FLAGS_OFFSET, _SYN, _ACK = 13, 0x02, 0x10
_DROP_NEW_CONNECTIONS = [
    (0x30, 0, 0, _TCP_FLAGS_OFFSET),  # ldb [13]: the flags
    (0x54, 0, 0, _SYN | _ACK),  # and #(SYN|ACK)
    (0x15, 0, 1, _SYN),  # jeq #SYN: next (drop), else skip one (keep)
    (0x06, 0, 0, 0),  # ret #0: drop
    (0x06, 0, 0, 0xFFFFFFFF),  # ret #-1: keep the whole packet
]
_PROGRAM = b"".join(struct.pack("=HBBI", *op) for op in _DROP_NEW_CONNECTIONS)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``. No host (``:9798``) or ``::`` is every address, IPv4
    and IPv6 alike where the system has IPv6, as Go's exporters listen; else IPv4's."""
    if host in ("", "::") and socket.has_dualstack_ipv6():
        sock = socket.create_server(("::", port), family=socket.AF_INET6, dualstack_ipv6=True, backlog=LISTEN_BACKLOG)
    else:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host or "0.0.0.0", port), family=family, backlog=LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


def client_address(address: tuple) -> str:
    """A client's address as the log names it: an IPv4 client of a dual-stack socket by its IPv4 address."""
    host = address[0]
    return host.removeprefix("::ffff:") if host.startswith("::ffff:") and "." in host else host


def stop_taking_new_clients(sock: socket.socket) -> bool:
    """Make ``sock`` ignore new connections, not those under way; False where that cannot be done (not Linux)."""
    import ctypes  # here, at shutdown only: importing it is 0.4 MB of the exporter's RSS for its whole life

    program = ctypes.create_string_buffer(_PROGRAM)  # alive until setsockopt has copied it
    fprog = struct.pack("HL", len(_DROP_NEW_CONNECTIONS), ctypes.addressof(program))  # struct sock_fprog
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
    except OSError:
        return False
    return True
