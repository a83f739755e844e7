"""``linky-exporter simulate [SOURCE]``: a simulated Linky meter on stdout, a file, a pty or TCP.

SOURCE is a ``simulated://`` URL (docs/simulator.md), or the same without the
scheme (``historique?contract=hc``), or options alone (``contract=tempo&speed=60``,
standard mode). The stream is paced like a real line unless ``--fast``.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import sys
import termios
import time
import tty
from typing import TYPE_CHECKING

from ..grammar.host_port import split_host_port

if TYPE_CHECKING:
    from ..simulator.config import SimulatorConfig

# The simulator is imported when this command runs, not when the CLI starts:
# the exporter on a Raspberry Pi should not carry it in memory.

PROG = "linky-exporter simulate"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run a simulated Linky meter (stdout, file, pty or TCP)",
        description=(
            "Emit the TIC stream of a simulated Linky meter, byte for byte, paced at the line's speed. "
            "SOURCE: simulated://historique|standard?option=value&... (see docs/simulator.md), "
            "e.g. simulated://standard?contract=tempo&speed=60. Default: simulated://standard."
        ),
    )
    parser.add_argument("source", nargs="?", default="simulated://standard", help="simulated:// URL or its options")
    parser.add_argument("--seed", type=int, help="seed of the household and calendars (same seed, same bytes)")
    parser.add_argument("--speed", help="simulated seconds per real second (e.g. 60: one hour a minute)")
    parser.add_argument("--start", help="simulated start, ISO local time (e.g. 2024-01-08T19:55)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    where.add_argument("--pty", action="store_true", help="create a pty, print its path, stream into it (it stays open, idle, after --frames)")
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen and stream to every client (port 0: any free port)")
    parser.add_argument(
        "--wait-for-reader",
        action="store_true",
        help="with --pty: send nothing until a reader sets the line's speed (pyserial readers such as "
        "linky-exporter do), so that it gets the stream from its first byte",
    )
    parser.add_argument("--frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--fast", action="store_true", help="no pacing: frames as fast as possible (needs --frames)")
    parser.set_defaults(run=run)


def source_url(args: argparse.Namespace) -> str:
    from ..simulator.url import is_simulated_url

    source = args.source.strip()
    if not is_simulated_url(source):
        if "=" in source.split("?", 1)[0]:
            source = "standard?" + source
        source = "simulated://" + source
    extra = [f"{name}={value}" for name in ("seed", "speed", "start") if (value := getattr(args, name)) is not None]
    if extra:
        source += ("&" if "?" in source else "?") + "&".join(extra)
    return source


def run(args: argparse.Namespace) -> int:
    from ..simulator.url import parse_url

    try:
        config = parse_url(source_url(args))
        if args.frames is not None and args.frames < 1:
            raise ValueError("--frames: must be at least 1")
        if args.fast and args.frames is None:
            raise ValueError("--fast: give --frames N, or the stream would never end")
        if args.fast and (args.pty or args.tcp):
            raise ValueError("--fast: only for stdout or --output")
        if args.wait_for_reader and not args.pty:
            raise ValueError("--wait-for-reader: only with --pty")
        address = _parse_address(args.tcp) if args.tcp else None
    except ValueError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    # SIGINT too: a process started in the background inherits SIGINT ignored,
    # and Python then installs no KeyboardInterrupt handler of its own.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        if args.pty:
            return _to_pty(config, args.frames, args.wait_for_reader)
        if address:
            return _to_tcp(config, address, args.frames)
        if args.output:
            try:
                with open(args.output, "wb") as out:
                    return _to_stream(config, out, args)
            except OSError as error:
                print(f"{PROG}: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
                return 2
        return _to_stream(config, sys.stdout.buffer, args)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): that is the end, not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _parse_address(text: str) -> tuple[str, int]:
    try:
        host, port = split_host_port(text)
    except ValueError as error:
        raise ValueError(f"--tcp: {error}") from None
    if port is None or not 0 <= port <= 65535:
        raise ValueError(f"--tcp: expected HOST:PORT with a port from 0 to 65535, got {text!r}")
    return host or "127.0.0.1", port


def _to_stream(config: SimulatorConfig, out, args: argparse.Namespace) -> int:
    from ..simulator.pacing import paced_chunks
    from ..simulator.transmitter import Transmitter

    transmitter = Transmitter(config)
    if args.fast:
        for _ in range(args.frames):
            emission = transmitter.next_emission()
            if emission is None:
                break
            out.write(emission.data)
        out.flush()
    else:
        for chunk in paced_chunks(transmitter, frames=args.frames):
            if chunk:
                out.write(chunk)
                out.flush()
    if args.output:
        print(f"{PROG}: wrote {transmitter.frames} frames to {args.output}", file=sys.stderr)
    return 0


def _to_pty(config: SimulatorConfig, frames: int | None, wait_for_reader: bool = False) -> int:
    from ..simulator.pacing import paced_chunks
    from ..simulator.transmitter import Transmitter
    from ..simulator.uart import misread

    master, slave = os.openpty()
    tty.setraw(slave)  # no CR/LF translation, no echo: bytes as the meter sends them
    os.set_blocking(master, False)
    print(os.ttyname(slave), flush=True)
    while wait_for_reader and _reader_baud(master) is None:
        time.sleep(0.02)
    transmitter = Transmitter(config)
    for chunk in paced_chunks(transmitter, frames=frames):
        # A pty carries no bits, but the speed its reader set is visible from this
        # side: a reader at the other TIC speed gets what its UART would assemble.
        reader_baud = _reader_baud(master)
        if reader_baud and reader_baud != transmitter.baud:
            chunk = misread(chunk, transmitter.baud, reader_baud)
        try:
            os.write(master, chunk)
        except BlockingIOError:
            pass  # nobody reads and the pty buffer is full: a real meter does not wait either
    # After --frames (or a silent scenario) the line stays open, idle, until we are
    # stopped: closing it would hang up the reader and lose what it has not read.
    while True:
        signal.pause()


_TIC_SPEEDS = {termios.B1200: 1200, termios.B9600: 9600}


def _reader_baud(master: int) -> int | None:
    """The TIC speed the pty's reader asked for, or None (another speed: not a UART reader)."""
    try:
        return _TIC_SPEEDS.get(termios.tcgetattr(master)[5])
    except termios.error:
        return None


def _to_tcp(config: SimulatorConfig, address: tuple[str, int], frames: int | None) -> int:
    from ..simulator.pacing import paced_chunks
    from ..simulator.transmitter import Transmitter

    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(address)
    except OSError as error:
        print(f"{PROG}: cannot listen on {address[0]}:{address[1]}: {error.strerror or error}", file=sys.stderr)
        return 2
    server.listen(8)
    server.setblocking(False)
    host, port = server.getsockname()[:2]
    print(f"{host}:{port}" if family == socket.AF_INET else f"[{host}]:{port}", flush=True)
    clients: list[socket.socket] = []

    def wait(seconds: float) -> None:
        # Sleep by waiting for new clients; each joins the stream where it is.
        readable, _, _ = select.select([server], [], [], max(0.0, seconds))
        if readable:
            try:
                client, _ = server.accept()
            except BlockingIOError:
                return
            client.setblocking(False)
            clients.append(client)

    try:
        for chunk in paced_chunks(Transmitter(config), wait=wait, frames=frames):
            for client in list(clients):
                try:
                    client.send(chunk)
                except BlockingIOError:
                    pass  # a slow client loses bytes, as on a serial line
                except OSError:
                    clients.remove(client)
                    client.close()
    finally:
        for client in clients:
            client.close()
        server.close()
    return 0
