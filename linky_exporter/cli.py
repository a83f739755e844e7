"""``linky-exporter``: the command line. Each subcommand lives in ``commands/``.

A subcommand's module is imported only when that command runs (or for the list of
commands in ``--help``): ``decode`` would otherwise pay for the exporter's imports
(pydantic, prometheus_client, the HTTP server, the simulator), which cost more CPU
than decoding a day of frames.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import NoReturn

from . import __version__

COMMANDS = ("serve", "decode", "probe", "record", "simulate", "report", "deploy-files")


class _Parser(argparse.ArgumentParser):
    """One line on a usage error, like every other bad value (the usage is behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``command`` alone when it is one of COMMANDS, else of them all."""
    parser = _Parser(
        prog="linky-exporter",
        description="Prometheus exporter for the Linky meter's customer output (TIC).",
    )
    parser.add_argument("--version", action="version", version=f"linky-exporter {__version__}")
    subparsers = parser.add_subparsers(
        parser_class=_Parser,
        title="commands", metavar="COMMAND", description="serve is the default: linky-exporter --tic.source ... serves /metrics"
    )
    for name in [command] if command in COMMANDS else COMMANDS:
        import_module(f"{__package__}.commands.{name.replace('-', '_')}").add_parser(subparsers)
        subparsers.choices[name].add_argument("--version", action="version", version=f"linky-exporter {__version__}")
    parser.set_defaults(commands=subparsers.choices)
    return parser


def full_help() -> str:
    """``linky-exporter --help``: the commands, then every flag of serve (the default), as node_exporter lists its own."""
    serve = build_parser("serve").get_default("commands")["serve"]
    return build_parser().format_help() + "\nserve, the default command:\n\n" + serve.format_help()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["serve", *argv]  # no subcommand: serve, like node_exporter
    if argv in (["-h"], ["--help"]):
        print(full_help(), end="")
        return 0
    parser = build_parser(argv[0])
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
