"""``python -m linky_exporter``: the same command line as ``linky-exporter``."""

import sys

from .cli import main

sys.exit(main())
