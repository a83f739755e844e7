"""Many simulated meters behind TCP ports, served by one process: the feeder of benchmarks/scaling.py.

    python -m benchmarks.tcp_meters COUNT [--captures 8] [--frames 400]

Prints the ports (one line, space-separated) once listening, then streams to
each client of each port a capture written by the simulated meter, at the
line's pace (9600 Bd, 10 bits a character, released every 0.1 s), as ser2net
would from a real meter. The captures (``--captures`` seeds of the standard
layouts, ``--frames`` frames each, about 1.1 s a frame) are generated once and
shared by the ports, each port starting at its own capture; a capture does not
loop, so no counter ever goes back (the exporter would refuse it and log). One
select loop, no thread: the feeder's CPU is not the exporter's.
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import time

from linky_exporter.simulator import generate

BAUD = 9600
SLICE_S = 0.1
LAYOUTS = ("simulated://standard?contract=tempo", "simulated://standard?phases=3&producer=1&contract=hc")


def captures(count: int, frames: int) -> list[bytes]:
    return [
        generate(f"{LAYOUTS[i % len(LAYOUTS)]}&seed={i + 1}&start=2024-01-10T12:00", frames) for i in range(count)
    ]


def serve(count: int, data: list[bytes]) -> None:
    selector = selectors.DefaultSelector()
    ports = []
    for i in range(count):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.setblocking(False)
        selector.register(server, selectors.EVENT_READ, data[i % len(data)])
        ports.append(server.getsockname()[1])
    print(" ".join(map(str, ports)), flush=True)
    clients: list[list] = []  # [socket, capture, connected at, bytes sent]
    while True:
        for key, _ in selector.select(SLICE_S):
            try:
                client, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            client.setblocking(False)
            clients.append([client, key.data, time.monotonic(), 0])
        now = time.monotonic()
        for entry in list(clients):
            client, capture, began, sent = entry
            due = min(len(capture), int((now - began) * BAUD / 10))
            if due <= sent:
                continue
            try:
                entry[3] += client.send(capture[sent:due])
            except BlockingIOError:
                pass
            except OSError:
                clients.remove(entry)
                client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("--captures", type=int, default=8)
    parser.add_argument("--frames", type=int, default=400)
    args = parser.parse_args()
    try:
        serve(args.count, captures(min(args.captures, args.count), args.frames))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
