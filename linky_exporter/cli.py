"""``linky-exporter``: the command line. Each subcommand lives in ``commands/``."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from . import __version__
from .commands import decode, probe, record, serve, simulate


class _Parser(argparse.ArgumentParser):
    """One line on a usage error, like every other bad value (the usage is behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="linky-exporter",
        description="Prometheus exporter for the Linky meter's customer output (TIC).",
    )
    parser.add_argument("--version", action="version", version=f"linky-exporter {__version__}")
    subparsers = parser.add_subparsers(
        parser_class=_Parser,
        title="commands", metavar="COMMAND", description="serve is the default: linky-exporter --tic.source ... serves /metrics"
    )
    serve.add_parser(subparsers)
    decode.add_parser(subparsers)
    probe.add_parser(subparsers)
    record.add_parser(subparsers)
    simulate.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["serve", *argv]  # no subcommand: serve, like node_exporter
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:  # Ctrl-C in probe or decode: no traceback
        return 130


if __name__ == "__main__":
    sys.exit(main())
