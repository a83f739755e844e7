"""Many simulated meters behind TCP ports, served by one process: the feeder of benchmarks/scaling.py.

    python -m benchmarks.tcp_meters COUNT [--captures 8] [--frames 400] [--in-step]

Prints the ports (one line, space-separated) once listening, then streams to
each client of each port a capture written by the simulated meter, at the
line's pace (9600 Bd, 10 bits a character, released every 0.1 s), as ser2net
would from a real meter. The captures (``--captures`` seeds of the standard
layouts, ``--frames`` frames each, about 1.1 s a frame) are generated once and
shared by the ports, each port starting at its own capture; a capture does not
loop, so no counter ever goes back (the exporter would refuse it and log). One
select loop, no thread: the feeder's CPU is not the exporter's.

Each port's stream starts after its own delay, drawn (seeded, so runs compare)
within one frame's time: real meters started at their own moments, so their
frames end spread over the second. ``--in-step`` starts every stream at once,
the frames of a layout then end together: the worst case of a building whose
meters all restarted at the same power cut.
"""

from __future__ import annotations

import argparse
import random
import selectors
import socket
import sys
import time

from linky_exporter.simulator import generate

from .common import FRAME_S

BAUD = 9600
SLICE_S = 0.1
LAYOUTS = ("simulated://standard?contract=tempo", "simulated://standard?phases=3&producer=1&contract=hc")


def captures(count: int, frames: int) -> list[bytes]:
    return [
        generate(f"{LAYOUTS[i % len(LAYOUTS)]}&seed={i + 1}&start=2024-01-10T12:00", frames) for i in range(count)
    ]


def serve(count: int, data: list[bytes], in_step: bool = False) -> None:
    phases = random.Random(26)
    selector = selectors.DefaultSelector()
    ports = []
    for i in range(count):
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.setblocking(False)
        delay = 0.0 if in_step else phases.uniform(0.0, FRAME_S)
        selector.register(server, selectors.EVENT_READ, (data[i % len(data)], delay))
        ports.append(server.getsockname()[1])
    print(" ".join(map(str, ports)), flush=True)
    clients: list[list] = []  # [socket, capture, streaming from, bytes sent]
    while True:
        for key, _ in selector.select(SLICE_S):
            try:
                client, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            client.setblocking(False)
            capture, delay = key.data
            clients.append([client, capture, time.monotonic() + delay, 0])
        now = time.monotonic()
        for entry in list(clients):
            client, capture, began, sent = entry
            due = min(len(capture), max(0, int((now - began) * BAUD / 10)))
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
    parser.add_argument("--in-step", action="store_true", help="every stream starts at once (frames end together)")
    args = parser.parse_args()
    try:
        serve(args.count, captures(min(args.captures, args.count), args.frames), args.in_step)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
