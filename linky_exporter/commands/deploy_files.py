"""``linky-exporter deploy-files DIR``: write the deploy tree (rules, alerts, dashboards, units) into DIR.

After ``pip install`` or ``pipx install`` the Prometheus rules and alerts, the
Grafana dashboards, the systemd unit and the compose file are installed beside
the program (``share/linky-exporter/deploy`` of its environment); in a git
checkout they are its ``deploy/`` folder. This command copies whichever it finds,
unchanged, so that a user who installed the tool has the same files as the
repository, and prints where they came from. It never overwrites a file unless
asked to.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import sysconfig
from pathlib import Path

MARKER = Path("prometheus") / "rules" / "linky-alerts.yml"  # a tree without it is not ours


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy-files",
        help="write the Prometheus rules, alerts, Grafana dashboards, systemd unit and compose file into a folder",
        description="Copy the deploy tree that came with linky-exporter (the repository's deploy/) into DIR.",
    )
    parser.add_argument("dir", type=Path, nargs="?", help="folder to write into (created if missing)")
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist in DIR")
    parser.add_argument("--print-source", action="store_true", help="only print where the deploy tree is, and exit")
    parser.set_defaults(run=run)


def deploy_tree() -> Path | None:
    """The deploy tree: a checkout's deploy/ first, then the installed copies (environment, then user)."""
    checkout = Path(__file__).resolve().parents[2] / "deploy"
    candidates = [checkout]
    for scheme in (sysconfig.get_default_scheme(), f"{sysconfig.get_preferred_scheme('user')}"):
        try:
            data = sysconfig.get_path("data", scheme)
        except KeyError:
            continue
        candidates.append(Path(data) / "share" / "linky-exporter" / "deploy")
    return next((path for path in candidates if (path / MARKER).is_file()), None)


def run(args: argparse.Namespace) -> int:
    source = deploy_tree()
    if source is None:
        print("linky-exporter deploy-files: the deploy tree is not installed with this copy of linky-exporter "
              "(reinstall it with pip or pipx, or use a git checkout's deploy/)", file=sys.stderr)
        return 1
    if args.print_source:
        print(source)
        return 0
    if args.dir is None:
        print("linky-exporter deploy-files: give the folder to write into (see linky-exporter deploy-files --help)", file=sys.stderr)
        return 2
    files = sorted(path for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    existing = [args.dir / path.relative_to(source) for path in files if (args.dir / path.relative_to(source)).exists()]
    if existing and not args.force:
        print(f"linky-exporter deploy-files: {len(existing)} file(s) already exist in {args.dir} "
              f"(first: {existing[0]}); give --force to overwrite them", file=sys.stderr)
        return 1
    try:
        for path in files:
            target = args.dir / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    except OSError as error:
        print(f"linky-exporter deploy-files: cannot write into {args.dir}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files from {source} into {args.dir}")
    return 0
