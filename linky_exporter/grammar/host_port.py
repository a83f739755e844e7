"""``host:port`` as written on the command line and in source URLs: one reading of it.

``127.0.0.1:9798``, ``[::1]:9798``, ``:9798`` (any host) and ``pi:2000``. The listen
address, ``simulate --tcp`` and ``socket://``/``rfc2217://`` sources all read it here;
whether a host is required and which ports make sense is each caller's (binding port 0
asks for a free port; connecting to it is a mistake), as is the wording of its messages.
"""

from __future__ import annotations


def split_host_port(text: str) -> tuple[str, int | None]:
    """(host without brackets, port or None when absent). Raises ValueError if it is not host:port."""
    if text.startswith("["):  # an IPv6 literal: its colons are not the port's
        host, bracket, rest = text[1:].partition("]")
        if not bracket or rest[:1] not in ("", ":"):
            raise ValueError(f"{text!r} is not host:port ([ without its ])")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:
        raise ValueError(f"{text!r} is not host:port (write an IPv6 address in brackets: [::1]:PORT)")
    else:
        host, colon, port_text = text.partition(":")
        port_text = port_text if colon else None
    if port_text is None or port_text == "":
        return host, None
    if not (port_text.isascii() and port_text.isdigit()):
        raise ValueError(f"{text!r}: the port {port_text!r} is not a number")
    return host, int(port_text)
