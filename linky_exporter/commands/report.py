"""``linky-exporter report``: read a meter's history from Prometheus (or VictoriaMetrics) and
say what it cost, which contract would have cost less, which power to subscribe, and
where the data has gaps (docs/report.md).

The front only: flags, files, then the report package in order (history, ledger,
colours, report, format). Nothing of the exporter's settings is imported (no
pydantic): the prices come from a file of their own.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

PROG = "linky-exporter report"
FORMATS = ("text", "json", "csv")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="cost, contract comparison, power headroom and data gaps from the history in Prometheus",
        description="Read each meter's history from the Prometheus HTTP API (Prometheus or VictoriaMetrics) and print "
        "its consumption per month split by tariff period, what Base, Heures Creuses, Tempo and EJP would have "
        "cost (cheapest first), the Tempo colours, the subscribed-power headroom and the data gaps. "
        "See docs/report.md.",
    )
    store = parser.add_argument_group("the store")
    store.add_argument("--prometheus.url", dest="url", default="http://127.0.0.1:9090", metavar="URL",
                       help="Prometheus or VictoriaMetrics base URL (default: http://127.0.0.1:9090)")
    store.add_argument("--prometheus.username", dest="username", metavar="USER", help="basic auth user")
    store.add_argument("--prometheus.password-file", dest="password_file", metavar="FILE", help="basic auth password, read from FILE")
    store.add_argument("--prometheus.bearer-token-file", dest="token_file", metavar="FILE", help="bearer token, read from FILE")
    store.add_argument("--prometheus.ca-file", dest="ca_file", metavar="FILE", help="CA certificate(s) to verify the server with")
    store.add_argument("--prometheus.cert-file", dest="cert_file", metavar="FILE", help="client certificate (TLS)")
    store.add_argument("--prometheus.key-file", dest="key_file", metavar="FILE", help="client certificate's key")
    store.add_argument("--prometheus.insecure-skip-verify", dest="insecure", action="store_true",
                       help="do not verify the server's certificate")
    store.add_argument("--prometheus.timeout", dest="timeout", default="2m", metavar="DURATION",
                       help="per request (default: 2m)")
    store.add_argument("--meter", action="append", metavar="NAME", help="report this meter (repeatable; default: every meter)")
    store.add_argument("--match", default="", metavar="MATCHERS",
                       help="label matchers added to every query, e.g. 'instance=\"pi:9798\"'")
    what = parser.add_argument_group("the report")
    what.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD (default: 365 days before --to)")
    what.add_argument("--to", dest="end", metavar="DATE", help="the day after the last one, YYYY-MM-DD (default: today)")
    what.add_argument("--daily", action="store_true", help="consumption per day too")
    what.add_argument("--prices", type=Path, metavar="FILE", help="prices of the contracts to compare (docs/report.md)")
    what.add_argument("--offpeak", metavar="RANGES", help="off-peak hours for Heures Creuses, e.g. 22:00-06:00 or "
                      "02:00-07:00,13:00-16:00 (default: the meter's own when it is on HC)")
    what.add_argument("--tempo.calendar", dest="tempo_calendar", type=Path, metavar="FILE",
                      help="Tempo colours (DATE;COLOUR lines, or RTE's JSON) for days the meter does not give")
    what.add_argument("--tempo.rte-url", dest="rte_url", metavar="URL", default=None,
                      help="RTE's Tempo service, asked for days still without a colour ('' never asks; "
                      "default: https://www.services-rte.com/cms/open_data/v1/tempo)")
    what.add_argument("--ejp.calendar", dest="ejp_calendar", type=Path, metavar="FILE",
                      help="EJP mobile-peak days (one date a line), to price EJP for a meter not on EJP")
    what.add_argument("--format", choices=FORMATS, default="text",
                      help="text (default), json, or csv: the 30-minute load curve in Enedis' layout (one meter)")
    parser.set_defaults(run=run)


class _Refused(Exception):
    """A bad flag or file: one line, exit status 2."""


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def run(args: argparse.Namespace) -> int:
    from ..report.calendars import CalendarError
    from ..report.history import HistoryError
    from ..report.prices import PricesError
    from ..report.prometheus_api import ApiError

    try:
        return _run(args)
    except (_Refused, PricesError, CalendarError) as error:
        return _fail(str(error), 2)
    except (ApiError, HistoryError) as error:
        return _fail(str(error), 1)


def _period(args: argparse.Namespace) -> tuple[int, int]:
    from ..report.localtime import local, midnight

    def day(text: str, flag: str) -> date:
        try:
            return datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise _Refused(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None

    today = local(datetime.now().timestamp()).date()
    end = day(args.end, "--to") if args.end else today
    start = day(args.start, "--from") if args.start else end - timedelta(days=365)
    if start >= end:
        raise _Refused(f"--from {start} is not before --to {end}")
    return midnight(start), midnight(end)


def _read_secret(path: str | None, flag: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise _Refused(f"{flag}: {path}: {error.strerror or error}") from None


def _run(args: argparse.Namespace) -> int:
    from ..grammar.durations import parse_duration
    from ..report import build, calendars, contracts, history, rte
    from ..report.prices import read_prices
    from ..report.prometheus_api import ClientOptions, PrometheusApi
    from ..report.schedules import parse_schedule

    start, end = _period(args)
    try:
        timeout = parse_duration(args.timeout)
    except ValueError:
        raise _Refused(f"--prometheus.timeout: {args.timeout!r} is not a duration such as 30s or 2m") from None
    offpeak = None
    if args.offpeak is not None:
        try:
            offpeak = parse_schedule(args.offpeak)
        except ValueError as error:
            raise _Refused(f"--offpeak: {error}") from None
    prices = read_prices(args.prices) if args.prices else None
    file_colours = calendars.read_tempo_file(args.tempo_calendar) if args.tempo_calendar else {}
    file_ejp = calendars.read_ejp_file(args.ejp_calendar) if args.ejp_calendar else None
    if (args.cert_file is None) != (args.key_file is None):
        raise _Refused("--prometheus.cert-file and --prometheus.key-file go together")
    options = ClientOptions(
        args.url, args.username, _read_secret(args.password_file, "--prometheus.password-file"),
        _read_secret(args.token_file, "--prometheus.bearer-token-file"), args.ca_file, args.cert_file, args.key_file,
        args.insecure, timeout,
    )  # fmt: skip
    api = PrometheusApi(options)
    names = args.meter or history.meters(api, args.match, start, end)
    if not names:
        raise history.HistoryError(f"{args.url} holds no {history.TOTAL} between "
                                   f"{args.start or 'a year ago'} and {args.end or 'today'}"
                                   + (f" matching {args.match}" if args.match else ""))
    if args.format == "csv" and len(names) > 1:
        raise _Refused(f"--format csv writes one meter's load curve: choose one with --meter ({', '.join(names)})")
    tempo_offpeak = parse_schedule(prices.tempo_offpeak) if prices and prices.tempo_offpeak else None
    base_rules = contracts.TimeRules(offpeak=offpeak, **({"tempo_offpeak": tempo_offpeak} if tempo_offpeak else {}))
    rte_url = rte.DEFAULT_URL if args.rte_url is None else args.rte_url
    fetched: dict = {}
    reports = []
    for name in names:
        found = history.fetch(api, name, args.match, start, end,
                              frozenset(m % 60 for m in contracts.edges(base_rules)))
        slots, kinds = build.ledger_of(found)
        calendar = calendars.TempoCalendar().merged(build.meter_tempo_colours(slots, kinds), "meter")
        calendar = calendar.merged(file_colours, str(args.tempo_calendar))
        wanted = build.days_without_colour(slots, kinds, calendar.colours)
        if wanted and prices and "tempo" in prices.contracts and rte_url:
            for season in [s for s in calendars.tempo_seasons(wanted) if s not in fetched]:
                try:
                    fetched[season] = rte.fetch_tempo(rte_url, [season])
                except rte.RteError as error:  # asked once per season, whatever the meters
                    fetched[season] = {}
                    found.notes.append(f"{error}: the days without a colour stay so")
            for colours in fetched.values():
                calendar = calendar.merged(colours, "rte")
        ejp_days = build.meter_ejp_days(slots, kinds) if "ejp" in kinds else set()
        if file_ejp is not None:
            ejp_days |= file_ejp
        rules = contracts.TimeRules(offpeak=base_rules.offpeak, tempo_offpeak=base_rules.tempo_offpeak,
                                    tempo=calendar, ejp_days=ejp_days if (ejp_days or file_ejp is not None) else None)
        if offpeak is None and "hc" in kinds and prices and "hc" in prices.contracts:
            found.notes.append("Heures Creuses is priced with the meter's own off-peak hours (its HC index)")
        reports.append(build.meter_report(found, slots, kinds, rules, prices, daily=args.daily,
                                          offpeak_given=offpeak is not None))
    sys.stdout.write(_render(args.format, reports))
    return 0


def _render(fmt: str, reports: list) -> str:
    if fmt == "json":
        from ..report import json_format

        return json_format.render(reports)
    if fmt == "csv":
        from ..report import enedis_csv

        return enedis_csv.render(reports[0])
    from ..report import text

    return text.render(reports)
