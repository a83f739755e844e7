"""``linky-exporter``: the command line. Each subcommand lives in ``commands/``."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .commands import decode, simulate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linky-exporter",
        description="Prometheus exporter for the Linky meter's customer output (TIC).",
    )
    parser.add_argument("--version", action="version", version=f"linky-exporter {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    decode.add_parser(subparsers)
    simulate.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
