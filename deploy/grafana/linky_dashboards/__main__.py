"""Write (or with --check, verify) deploy/grafana/dashboards/*.json from the Python sources."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import energy, health, live

DASHBOARDS = {"linky-live.json": live.build, "linky-energy.json": energy.build, "linky-health.json": health.build}
OUT = Path(__file__).resolve().parent.parent / "dashboards"


def render(build) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="linky_dashboards", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file differs from the sources")
    args = parser.parse_args(argv)
    stale = []
    for name, build in DASHBOARDS.items():
        path, text = OUT / name, render(build)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run scripts/generate-grafana-dashboards)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
