"""``linky-exporter [serve]``: read the meters for ever and serve /metrics."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
import threading

from prometheus_client import CollectorRegistry, ProcessCollector

from .. import __version__
from ..config.flags import add_serve_flags, config_file_given, flags_to_settings
from ..config.logs import setup_logging
from ..config.settings import ENV_PREFIX, Settings, SettingsError, load_settings
from ..config.values import split_listen_address
from ..exposition.app import ExporterApp
from ..exposition.collector import LinkyCollector
from ..exposition.render import MeterRenderer
from ..meter import MeterState
from ..meter.reader import MeterReader
from ..meter.reading_loop import ReadingLoop
from ..sources.checks import check_sources
from ..sources.devices import SERVE_CANDIDATES, existing_devices
from ..sources.spec import SourceKind, parse_source
from ..web.config import WebConfigError
from ..web.counts import HttpCounts
from ..web.http_server import SHUTDOWN_GRACE_S, HttpServer
from ..web.server_config import WebConfig, load_web_config

log = logging.getLogger(__name__)

# Real time: a sped-up meter would show impossible values (energy faster than its power,
# a clock running ahead of the real one), and a newcomer sees the demo first.
DEMO_SOURCE = "demo=simulated://standard?contract=tempo"

EXIT_FAILURE = 1
EXIT_BAD_CONFIG = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="read the meters and serve /metrics (the default command)",
        description="Read one or more TIC lines continuously and serve /metrics for Prometheus.",
        epilog=(
            f"Every flag can also be set by an environment variable ({ENV_PREFIX}TIC__SOURCE, "
            f"{ENV_PREFIX}WEB__LISTEN_ADDRESS, ...) or in the YAML file of --config.file. "
            f"Without --tic.source it uses the first of {', '.join(SERVE_CANDIDATES)} that exists. "
            f"To try it without a meter: --tic.source '{DEMO_SOURCE}' (simulated data)."
        ),
    )
    add_serve_flags(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    bad_exit = EXIT_FAILURE if args.check_config else EXIT_BAD_CONFIG
    try:
        settings = load_settings(flags_to_settings(args), config_file_given(args))
        _check_sources(settings)
        web_config = load_web_config(settings.web.config_file) if settings.web.config_file else WebConfig()
    except (SettingsError, WebConfigError) as error:
        print(f"linky-exporter: {error}", file=sys.stderr)
        return bad_exit
    # Without --tic.source, the first serial device found; none is the same failure
    # for --check-config as for a start, so that a check that passes starts.
    sources = list(settings.tic.source)
    device = None
    if not sources:
        device = find_device()
        if device is None:
            print(no_device_message(), file=sys.stderr)
            return EXIT_FAILURE
        sources = [parse_source(device)]
    if args.check_config:
        return _report_config(settings, web_config, device)
    setup_logging(settings.log.level, settings.log.format)
    if device is not None:
        log.info("no --tic.source given: using %s, the first serial device found", device)
    return serve(settings, sources, web_config)


def _check_sources(settings: Settings) -> None:
    """What the sources need of the file system, at start and for --check-config alike."""
    try:
        check_sources(settings.tic.source)
    except ValueError as error:
        raise SettingsError(f"--tic.source: {error}") from None


def find_device() -> str | None:
    found = existing_devices(SERVE_CANDIDATES)
    return found[0] if found else None


def no_device_message() -> str:
    return (
        "linky-exporter: no meter to read. No --tic.source was given and none of "
        f"{', '.join(SERVE_CANDIDATES)} exists.\n"
        "  Name your meter's line: linky-exporter --tic.source /dev/ttyUSB0  (see docs/raspberry-pi.md)\n"
        f"  Or try the exporter on the SIMULATED meter (not real data): linky-exporter --tic.source '{DEMO_SOURCE}'"
    )


def _report_config(settings: Settings, web_config: WebConfig, device: str | None) -> int:
    print("configuration is valid")
    for spec in settings.tic.source or []:
        print(f"  meter {spec.name}: {spec.kind.value} source {spec.url}")
    if device is not None:
        print(f"  no source given: {device}, the first of {', '.join(SERVE_CANDIDATES)} that exists now")
    print(f"  mode {settings.tic.mode}, stale after {settings.tic.stale_after:g} s")
    tls = "TLS" if web_config.tls is not None else "plain HTTP"
    auth = f", basic auth for {len(web_config.users)} user(s)" if web_config.users else ""
    print(f"  listening on {settings.web.listen_address}{settings.web.telemetry_path} ({tls}{auth})")
    limit = settings.web.max_connections or "no limit"
    print(f"  at most {limit} connection(s), read timeout {settings.web.read_timeout:g} s")
    return 0


def serve(settings: Settings, sources: list, web_config: WebConfig) -> int:
    meters = [
        MeterState(spec.name, settings.tic.stale_after, simulated=spec.kind is SourceKind.SIMULATED)
        for spec in sources
    ]
    registry = CollectorRegistry(auto_describe=False)
    http_counts = HttpCounts()
    collector = LinkyCollector(meters, http=http_counts, prices=settings.prices)
    registry.register(collector)
    registry.register(ProcessCollector(registry=None))
    # What follows the meters in /metrics; the meters themselves are rendered by
    # exposition/render.py (the whole registry serves a name[] query).
    others = CollectorRegistry(auto_describe=False)
    others.register(ProcessCollector(registry=None))
    stop = threading.Event()
    readers = [MeterReader(spec, state, settings.tic.fixed_mode) for spec, state in zip(sources, meters)]
    renderer = MeterRenderer(collector)
    # One thread reads every meter, and renders the frames it records while scrapes come often.
    reading = ReadingLoop(readers, stop, after_reads=renderer.refresh)
    app = ExporterApp(
        registry,
        meters,
        settings.web.telemetry_path,
        ready=lambda: all(reader.opened.is_set() for reader in readers),
        prices=settings.prices,
        renderer=renderer,
        others=others,
    )
    host, port = split_listen_address(settings.web.listen_address)
    try:
        server = HttpServer(
            app.handle,
            host,
            port,
            web_config,
            max_connections=settings.web.max_connections,
            read_timeout=settings.web.read_timeout,
            counts=http_counts,
        )
    except OSError as error:
        log.error("cannot listen on %s: %s", settings.web.listen_address, error.strerror or error)
        return EXIT_FAILURE
    for spec in sources:
        if spec.kind is SourceKind.SIMULATED:
            log.warning("meter %s reads the SIMULATED meter %s: its values are not real", spec.name, spec.url)
    # The threads started from here on (and those they start) never take SIGTERM or
    # SIGINT: the kernel gives a process's signal to any thread that does not block
    # it, and Python runs the handler only when the main thread runs, which may sleep
    # in stop.wait() for an hour. Only the main thread unblocks them, once it handles them.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    reading.start()
    # Everything made so far lives as long as the process: out of the garbage
    # collector's sight, so the collections the HTTP server runs stay cheap.
    gc.freeze()
    # A collection every 10,000 objects allocated (net) rather than 700: the frames and
    # scrapes make short-lived objects that reference counting frees, few cycles. At 64
    # meters the default ran 470 collections in 75 s, 7 % of the CPU, some of them inside
    # a scrape; this runs 14. Cycles are still collected, 10,000 objects later at most.
    gc.set_threshold(GC_YOUNG_OBJECTS, 10, 10)
    server.start()
    scheme = "https" if web_config.tls is not None else "http"
    log.info(
        "linky-exporter %s listening on %s://%s:%d%s for %d meter(s)",
        __version__, scheme, server.address, server.port, settings.web.telemetry_path, len(meters),
    )
    _wait_for_signal(stop)
    log.info("stopping: answering the requests under way (%g s at most)", SHUTDOWN_GRACE_S)
    server.stop(SHUTDOWN_GRACE_S)
    reading.stop()
    reading.join(timeout=2)
    return 0


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
GC_YOUNG_OBJECTS = 10_000  # the garbage collector's first threshold (CPython's default: 700)


def _wait_for_signal(stop: threading.Event) -> None:
    def handle(signum: int, _frame: object) -> None:
        stop.set()

    for signum in _STOP_SIGNALS:
        signal.signal(signum, handle)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # one that came meanwhile is handled now
    while not stop.wait(3600):
        pass
