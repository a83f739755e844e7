"""`linky-exporter report` against the simulator's ground truth, on real stores.

Two simulated meters, their history written through the exporter's own code
(tests/support/report_history.py) and stored without waiting on real time:

* ``home``: Tempo, producer, 61 days from 1 March 2025 (the clocks go forward on 30
  March; red days on 4, 7, 24 and 27 March), a 20-minute overload on 12 March inside
  two hours scraped every 10 s, and a 6-hour stretch the store missed on 20 March.
  Backfilled into a real Prometheus (promtool blocks) served over TLS with basic auth,
  and imported into a real VictoriaMetrics: the report must say the same from both.
* ``hc``: Heures Creuses with two off-peak windows, 5 days of June, in VictoriaMetrics;
  its Tempo colours come from a local fake of RTE's Tempo service, which lacks a day.

Truth, computed here from the simulator's exact registers at every half-hour (never
with the report's code): each contract's cost, to the cent; the energy the store's
registers show, to the Wh; the daily peaks, the minutes above each standard power, the
gap and its energy.
"""

from __future__ import annotations

import base64
import http.server
import json
import ssl
import threading
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import bcrypt
import pytest

from linky_exporter.simulator.calendars import EjpCalendar, TempoCalendar
from linky_exporter.simulator.clock import PARIS

from ..support.cli_run import run_cli
from ..support.processes import free_port
from ..support.promtools import PrometheusServer, poll, run_tool
from ..support.report_history import Truth, local_ms, prometheus_lines, write_history
from ..support.tls_certs import make_certificates
from ..support.victoriametrics import VictoriaMetrics

HOME = "home"
HOME_URL = ("simulated://standard?contract=tempo&producer=1&seed=5&start=2025-02-28T23:00"
            "&scenario=overload&overload_at=2025-03-12T18:00&overload_for=20m")
HOME_SPAN = ("2025-02-28T23:00", "2025-05-01T03:00")  # the "yesterday" peak of 30 April is read on 1 May
HOME_PERIOD = ("2025-03-01", "2025-05-01")
DENSE = [("2025-03-12T17:00", "2025-03-12T19:00", 10)]
SILENT = ("2025-03-20T10:00", "2025-03-20T16:00")
OFFPEAK = "22:30-06:30"
HC = "hc"
HC_URL = "simulated://standard?contract=hc&offpeak=01:00-07:00,12:30-14:30&seed=7&start=2025-06-01T23:00"
HC_SPAN = ("2025-06-01T23:00", "2025-06-07T03:00")
HC_PERIOD = ("2025-06-02", "2025-06-07")
RTE_COLOURS = {"2025-06-01": "BLUE", "2025-06-02": "WHITE", "2025-06-03": "RED", "2025-06-04": "BLUE",
               "2025-06-05": "WHITE"}  # 2025-06-06 is missing: never guessed
PER_KWH = {
    "base": {"base": 0.2016},
    "hc": {"hc": 0.1635, "hp": 0.2081},
    "tempo": {"blue_hc": 0.1232, "blue_hp": 0.1494, "white_hc": 0.1391, "white_hp": 0.1730, "red_hc": 0.1460,
              "red_hp": 0.6468},
    "ejp": {"normal": 0.1700, "peak": 0.6000},
}
PER_DAY = {"base": {6: 0.40, 9: 0.50, 12: 0.61}, "hc": {6: 0.41, 9: 0.52, 12: 0.62},
           "tempo": {6: 0.42, 9: 0.53, 12: 0.63}, "ejp": {9: 0.55, 12: 0.65}}
TEMPO_INDEX = dict(enumerate(PER_KWH["tempo"], start=1))
STANDARD_KVA = (3, 6, 9, 12, 15, 18, 24, 30, 36)
# "To the cent": within one cent. Classing by the meter's own index is exact to the Wh; classing by
# time cannot be better than the registers the store holds at each change of class: those of the
# frame the exporter served (3 s before the scrape here, one or two frames on a real line), so the
# energy of those seconds lands on the other side (0.6 cent over the 122 changes of 61 days of
# 22:30-06:30 here). docs/report.md says so.
CENT = 0.01


def prices_yaml() -> str:
    lines = ["name: test prices"]
    for kind, per_kwh in PER_KWH.items():
        lines += [f"{kind}:", f"  subscription_per_day: {json.dumps({str(k): v for k, v in PER_DAY[kind].items()})}".replace('"', ""),
                  f"  per_kwh: {json.dumps(per_kwh)}"]
    return "\n".join(lines) + "\n"


def ts(text: str) -> int:
    return local_ms(text) // 1000


def local(t: int) -> datetime:
    return datetime.fromtimestamp(t, PARIS)


# --- truth, from the simulator's registers at every half-hour ----------------------------------------

def slots(truth: Truth, start: int, end: int) -> list[tuple[int, dict[int, Fraction]]]:
    """(half-hour start, exact Wh per index) over [start, end)."""
    out = []
    for t in range(start, end, 1800):
        before, after = truth.supplier_wh[t], truth.supplier_wh[t + 1800]
        out.append((t, {i: after[i] - before[i] for i in after}))
    return out


def cost_by_index(truth: Truth, start: int, end: int, classes: dict[int, str], kind: str, days: int, kva: int) -> float:
    energy = sum((truth.supplier_wh[end][i] - truth.supplier_wh[start][i]) / 1000 * PER_KWH[kind][name]
                 for i, name in classes.items())
    return float(energy) + PER_DAY[kind][kva] * days


def cost_by_time(truth: Truth, start: int, end: int, kind: str, class_of, days: int, kva: int) -> float:
    energy = sum(sum(wh.values()) / 1000 * PER_KWH[kind][class_of(t)] for t, wh in slots(truth, start, end))
    return float(energy) + PER_DAY[kind][kva] * days


def in_ranges(t: int, ranges: list[tuple[str, str]]) -> bool:
    clock = local(t).strftime("%H:%M")
    return any((a <= clock < b) if a < b else (clock >= a or clock < b) for a, b in ranges)


def stored_kwh(truth: Truth, start: int, end: int) -> float:
    return sum(truth.stored_wh[end][i] - truth.stored_wh[start][i] for i in truth.stored_wh[end]) / 1000


def minutes_above(truth: Truth, start: int, end: int) -> dict[int, int]:
    """Minutes (ending in (start, end]) in which a scrape stored more than each standard power."""
    peaks: dict[int, int] = {}
    for t, va in truth.va.items():
        if start < t <= end:
            minute = -(-t // 60) * 60
            peaks[minute] = max(peaks.get(minute, 0), va)
    return {kva: sum(1 for va in peaks.values() if va > kva * 1000) for kva in STANDARD_KVA}


# --- the stores -------------------------------------------------------------------------------------

def tls_prometheus(workdir: Path, openmetrics: Path) -> tuple[PrometheusServer, str, dict[str, str]]:
    """A Prometheus serving the backfilled blocks over TLS with basic auth; (server, URL, report flags)."""
    certs = make_certificates(workdir / "certs")
    password = "report-secret"
    (workdir / "password").write_text(password + "\n")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = workdir / "web.yml"
    web.write_text(f"tls_server_config:\n  cert_file: {certs.path('server.crt')}\n  key_file: {certs.path('server.key')}\n"
                   f"basic_auth_users:\n  report: {hashed}\n")
    # --max-block-duration (hidden in promtool 2.42): one block for the 61 days instead of one per 2 h,
    # which promtool writes by reading the whole file again for each.
    run_tool("promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=1500h",
             openmetrics, workdir / "data", timeout=120)
    server = PrometheusServer(workdir, "global: {}\n",
                              extra_flags=(f"--web.config.file={web}", "--storage.tsdb.retention.time=100y"))
    url = f"https://127.0.0.1:{server.port}"
    context = ssl.create_default_context(cafile=certs.path("ca.crt"))
    auth = "Basic " + base64.b64encode(f"report:{password}".encode()).decode()

    def ready() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"prometheus exited:\n{server.log_tail()}")
        request = urllib.request.Request(url + "/-/ready", headers={"Authorization": auth})
        with urllib.request.urlopen(request, timeout=2, context=context) as response:
            return response.status == 200

    poll(ready, timeout=60, what="prometheus over TLS")
    flags = {"--prometheus.url": url, "--prometheus.ca-file": certs.path("ca.crt"),
             "--prometheus.username": "report", "--prometheus.password-file": str(workdir / "password")}
    return server, url, flags


def import_into(victoria: VictoriaMetrics, *openmetrics: Path) -> None:
    for path in openmetrics:
        lines = prometheus_lines(path)
        for first in range(0, len(lines), 50_000):
            body = "".join(lines[first:first + 50_000]).encode()
            request = urllib.request.Request(victoria.url + "/api/v1/import/prometheus", data=body, method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status in (200, 204)
    victoria.flush()


def report(*args: str, flags: dict[str, str] | None = None) -> dict:
    argv = [a for pair in (flags or {}).items() for a in pair]
    done = run_cli("report", *argv, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    meters = json.loads(done.stdout)["meters"]
    assert len(meters) == 1
    return meters[0]


def without_store(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "store"}


def test_a_tempo_meter_reported_from_prometheus_and_victoriametrics_matches_the_ground_truth(tmp_path):
    openmetrics = tmp_path / "home.om"
    truth = write_history(openmetrics, HOME_URL, HOME, *HOME_SPAN, dense=DENSE, silent=[SILENT])
    prices = tmp_path / "prices.yml"
    prices.write_text(prices_yaml())
    start, end = ts(HOME_PERIOD[0] + "T00:00"), ts(HOME_PERIOD[1] + "T00:00")
    ejp = sorted(d for d in (date(2025, 2, 28) + timedelta(days=n) for n in range(62)) if EjpCalendar(5).is_peak_day(d))
    (tmp_path / "ejp.txt").write_text("# EJP days\n" + "\n".join(d.isoformat() for d in ejp) + "\n")
    args = ["--meter", HOME, "--from", HOME_PERIOD[0], "--to", HOME_PERIOD[1], "--prices", str(prices),
            "--offpeak", OFFPEAK, "--ejp.calendar", str(tmp_path / "ejp.txt"), "--daily", "--tempo.rte-url", ""]
    prometheus, url, flags = tls_prometheus(tmp_path / "prometheus", openmetrics)
    victoria = VictoriaMetrics(tmp_path / "victoria", "-retentionPeriod=100y")
    try:
        victoria.wait_ready()
        import_into(victoria, openmetrics)
        from_prometheus = report(*args, flags=flags)
        from_victoria = report(*args, flags={"--prometheus.url": victoria.url})
        refused = run_cli("report", *args, "--prometheus.url", url, "--prometheus.ca-file", flags["--prometheus.ca-file"])
        untrusted = run_cli("report", *args, "--prometheus.url", url)
    finally:
        victoria.stop()
        prometheus.stop()

    # Both stores give the same report (but for their query times).
    assert _same(without_store(from_victoria), without_store(from_prometheus))
    home = from_prometheus
    days = (date.fromisoformat(HOME_PERIOD[1]) - date.fromisoformat(HOME_PERIOD[0])).days

    # The registers, to the Wh: per month, per day (30 March has 23 hours), exported energy.
    months = {m["period"]: m for m in home["months"]}
    assert list(months) == ["2025-03", "2025-04"]
    for month, (a, b) in {"2025-03": ("2025-03-01", "2025-04-01"), "2025-04": ("2025-04-01", "2025-05-01")}.items():
        t0, t1 = ts(a + "T00:00"), ts(b + "T00:00")
        assert months[month]["kwh"] == pytest.approx(stored_kwh(truth, t0, t1), abs=1e-9)
        for index, row in months[month]["by_index"].items():
            stored = (truth.stored_wh[t1][int(index)] - truth.stored_wh[t0][int(index)]) / 1000
            assert row["kwh"] == pytest.approx(stored, abs=1e-9)
            exact = float(truth.supplier_wh[t1][int(index)] - truth.supplier_wh[t0][int(index)]) / 1000
            assert abs(row["kwh"] - exact) < 0.02  # the store's registers: floored, from a frame 3 s early
        assert months[month]["exported_kwh"] == pytest.approx(
            (truth.stored_export_wh[t1] - truth.stored_export_wh[t0]) / 1000, abs=1e-9)
    assert months["2025-03"]["exported_kwh"] > 0
    daily = {d["period"]: d for d in home["days"]}
    assert len(daily) == days
    dst = ts("2025-03-30T00:00"), ts("2025-03-31T00:00")
    assert dst[1] - dst[0] == 23 * 3600
    assert daily["2025-03-30"]["kwh"] == pytest.approx(stored_kwh(truth, *dst), abs=1e-9)

    # Every contract's cost, to the cent, against the simulator's own registers.
    costs = {c["contract"]: c for c in home["costs"]}
    assert home["contract"] == "tempo" and home["headroom"]["subscribed_kva"] == 9
    ejp_days = set(ejp)

    def ejp_class(t: int) -> str:
        moment = local(t)
        peak = (moment.date() in ejp_days and moment.hour >= 7) or (
            moment.hour < 1 and moment.date() - timedelta(days=1) in ejp_days)
        return "peak" if peak else "normal"

    expected = {
        "tempo": cost_by_index(truth, start, end, TEMPO_INDEX, "tempo", days, 9),
        "base": cost_by_time(truth, start, end, "base", lambda t: "base", days, 9),
        "hc": cost_by_time(truth, start, end, "hc", lambda t: "hc" if in_ranges(t, [("22:30", "06:30")]) else "hp",
                           days, 9),
        "ejp": cost_by_time(truth, start, end, "ejp", ejp_class, days, 9),
    }
    assert set(costs) == set(expected)
    for kind, cost in expected.items():
        assert costs[kind]["complete"], costs[kind]
        assert abs(costs[kind]["total_eur"] - cost) < CENT, (kind, costs[kind]["total_eur"], cost)
        assert costs[kind]["subscription_days"] == days
    assert costs["tempo"]["classed_by_meter_index_kwh"] == pytest.approx(home["kwh"], abs=1e-9)
    assert costs["tempo"]["kwh_by_class"]["red_hp"] > 0 and costs["ejp"]["kwh_by_class"]["peak"] > 0
    totals = [c["total_eur"] for c in home["costs"]]
    assert totals == sorted(totals)  # cheapest first
    for cost in home["costs"]:
        assert cost["saving_vs_current_eur"] == pytest.approx(costs["tempo"]["total_eur"] - cost["total_eur"])

    # Tempo colours as the meter counted them (its calendar, drawn from the seed).
    calendar = TempoCalendar(5)
    colours = home["tempo"]["colours"]
    assert colours == {d: ("blue", "white", "red")[calendar.colour(date.fromisoformat(d)) - 1] for d in colours}
    assert set(colours) == {(date(2025, 2, 28) + timedelta(days=n)).isoformat() for n in range(62)}
    assert home["tempo"]["days"]["red"] >= 4 and home["tempo"]["sources"] == {"meter": 62}

    # Headroom: the daily peaks are the meter's own maxima; the minutes, what the scrapes stored.
    room = home["headroom"]
    peaks = {d: va for d, va in truth.daily_peak_va.items() if HOME_PERIOD[0] <= d.isoformat() < HOME_PERIOD[1]}
    assert room["days"] == days and room["peak_va"] == max(peaks.values())
    assert room["peak_day"] == "2025-03-12"  # the overload
    minutes = minutes_above(truth, start, end)
    for row in room["powers"]:
        assert row["days_above"] == sum(1 for va in peaks.values() if va > row["kva"] * 1000), row
        assert row["minutes_above"] == minutes[row["kva"]], row
    assert [row["kva"] for row in room["powers"]] == [3, 6, 9]
    overload = ts("2025-03-12T18:00"), ts("2025-03-12T18:20")
    assert minutes_above(truth, *overload)[9] == 20  # every minute of the overload, sampled every 10 s
    highest = max([*peaks.values(), *(va for t, va in truth.va.items() if start < t <= end)])
    assert room["smallest_safe_kva"] == next(kva for kva in STANDARD_KVA if highest <= kva * 1000)
    assert room["yearly_saving_eur"] is None  # no Tempo subscription price for 18 kVA

    # The stretch the store missed: its length, and the energy the registers say crossed it.
    gap_from, gap_to = ts(SILENT[0]), ts(SILENT[1])
    assert home["gaps"] == [{"from": local(gap_from).isoformat(), "to": local(gap_to).isoformat(),
                             "seconds": gap_to - gap_from, "kwh": pytest.approx(stored_kwh(truth, gap_from, gap_to))}]
    assert costs["base"]["classed_by_time_in_gaps_kwh"] == pytest.approx(stored_kwh(truth, gap_from, gap_to))

    # The client's TLS and basic auth: without the password, without the CA, one line each.
    assert refused.returncode == 1 and "401 Unauthorized" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert untrusted.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr


def _same(a, b) -> bool:
    """Equal documents, numbers to 1e-9 (each store lists series in its own order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return a == b


class FakeRte:
    """RTE's Tempo service on a free port: ``RTE_COLOURS`` for season 2024-2025, nothing for others."""

    def __init__(self) -> None:
        self.seasons: list[str] = []
        seasons = self.seasons

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                season = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("season", [""])[0]
                seasons.append(season)
                body = json.dumps({"values": RTE_COLOURS if season == "2024-2025" else {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/cms/open_data/v1/tempo"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_an_hc_meter_with_tempo_colours_from_rte_and_its_enedis_load_curve(tmp_path):
    openmetrics = tmp_path / "hc.om"
    truth = write_history(openmetrics, HC_URL, HC, *HC_SPAN)
    prices = tmp_path / "prices.yml"
    prices.write_text(prices_yaml())
    start, end = ts(HC_PERIOD[0] + "T00:00"), ts(HC_PERIOD[1] + "T00:00")
    days = 5
    rte = FakeRte()
    victoria = VictoriaMetrics(tmp_path / "victoria", "-retentionPeriod=100y")
    try:
        victoria.wait_ready()
        import_into(victoria, openmetrics)
        store = ["--prometheus.url", victoria.url, "--meter", HC, "--from", HC_PERIOD[0], "--to", HC_PERIOD[1]]
        document = report(*store, "--prices", str(prices), "--tempo.rte-url", rte.url)
        curve = run_cli("report", *store, "--format", "csv")
        offline = run_cli("report", *store, "--prices", str(prices), "--tempo.rte-url",
                          f"http://127.0.0.1:{free_port()}/tempo")
    finally:
        victoria.stop()
        rte.stop()

    # Heures Creuses is the meter's own contract: priced by its HC and HP indexes, whatever its hours.
    costs = {c["contract"]: c for c in document["costs"]}
    assert document["contract"] == "hc" and document["headroom"]["subscribed_kva"] == 9
    assert abs(costs["hc"]["total_eur"] - cost_by_index(truth, start, end, {1: "hc", 2: "hp"}, "hc", days, 9)) < CENT
    assert abs(costs["base"]["total_eur"] - cost_by_time(truth, start, end, "base", lambda t: "base", days, 9)) < CENT
    assert "ejp" not in costs and [n["contract"] for n in document["not_priced"]] == ["ejp"]

    # Tempo by time, with RTE's colours; the day RTE does not give is left unpriced, not guessed.
    assert rte.seasons == ["2024-2025"]
    tempo = costs["tempo"]
    assert not tempo["complete"] and tempo["unpriced_days"] == ["2025-06-06"]
    assert document["tempo"]["days_without_colour"] == ["2025-06-06"]
    assert document["tempo"]["sources"] == {"rte": 5}
    coloured = [(t, wh) for t, wh in slots(truth, start, end) if t < ts("2025-06-06T06:00")]
    unpriced = sum(float(sum(wh.values())) for t, wh in slots(truth, start, end) if t >= ts("2025-06-06T06:00")) / 1000

    def tempo_class(t: int) -> str:
        moment = local(t)
        day = (moment.date() - timedelta(days=1) if moment.hour < 6 else moment.date()).isoformat()
        colour = {"BLUE": "blue", "WHITE": "white", "RED": "red"}[RTE_COLOURS[day]]
        return f"{colour}_{'hc' if in_ranges(t, [('22:00', '06:00')]) else 'hp'}"

    energy = sum(float(sum(wh.values())) / 1000 * PER_KWH["tempo"][tempo_class(t)] for t, wh in coloured)
    assert abs(tempo["energy_eur"] - energy) < CENT
    assert abs(tempo["unpriced_kwh"] - unpriced) < 0.02
    assert tempo["kwh_by_class"]["red_hp"] > 0

    # The 30-minute load curve in Enedis' layout: mean W of each half-hour = 2 x the Wh the registers counted.
    assert curve.returncode == 0, curve.stderr
    lines = curve.stdout.splitlines()
    assert lines[0] == ("Identifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;"
                        "Etape metier;Unite;Pas en minutes")
    assert lines[1] == f"{truth.serial};Courbe de charge;02/06/2025;07/06/2025;Energie active;Consommation;Comptage Brut;W;30"
    assert lines[2] == "Horodate;Valeur"
    rows = [line.split(";") for line in lines[3:]]
    assert len(rows) == days * 48
    for horodate, value in rows:
        t = int(datetime.fromisoformat(horodate).timestamp())
        wh = sum(truth.stored_wh[t][i] - truth.stored_wh[t - 1800][i] for i in truth.stored_wh[t])
        assert int(value) == 2 * wh, horodate
    assert rows[0][0] == "2025-06-02T00:30:00+02:00" and rows[-1][0] == "2025-06-07T00:00:00+02:00"

    # Offline: RTE cannot be reached, the report says so and goes on.
    assert offline.returncode == 0, offline.stderr
    assert "Heures Creuses (yours)" in offline.stdout
    assert "cannot be reached" in offline.stdout and "without a colour (6 days, never guessed)" in offline.stdout
