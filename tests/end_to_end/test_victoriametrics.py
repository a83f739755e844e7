"""VictoriaMetrics as the store: Debian's victoria-metrics, vmagent and vmalert, real processes.

- Remote write (deploy/victoriametrics/vmagent.default, and a Prometheus agent with
  deploy/prometheus/agent.yml): the sender scrapes the exporter on the simulated meter
  and writes to VictoriaMetrics AND to a Prometheus receiver; every sample of a closed
  window is the same in both: labels, timestamps, values.
- An agent cut off from VictoriaMetrics (stopped, then restarted on the same port and
  data directory) delivers its backlog: nothing of the outage is missing.
- VictoriaMetrics scrapes the exporter itself with the shipped prometheus.yml
  (-promscrape.config), vmalert evaluates the shipped rules on it and notifies the
  shipped Alertmanager; a Prometheus with the same rules scrapes the same exporter. Every
  Grafana panel query returns the same series from both (docs/prometheus.md lists the
  corners where MetricsQL differs), the rules evaluate without error in vmalert, and
  LinkyBreakerOpen reaches the webhook through Alertmanager.
"""

from __future__ import annotations

import math
import re
import subprocess
import time
from collections.abc import Iterator

import pytest

from ..support.demo_meters import METERS, PRICES, SCRAPE
from ..support.exporter_process import Exporter
from ..support.grafana_runner import GrafanaLike
from ..support.promtools import (
    DEPLOY,
    AlertmanagerServer,
    PrometheusServer,
    WebhookReceiver,
    agent_config,
    alertmanager_config,
    free_port,
    poll,
    prometheus_config,
    require_binary,
    run_tool,
)
from ..support.victoriametrics import VM_DEPLOY, VictoriaMetrics, Vmagent, Vmalert, prometheus_samples

# Starts VictoriaMetrics, vmagent, vmalert and Prometheus.
pytestmark = pytest.mark.slow

ARRIVAL_TIMEOUT = 60  # seconds; bounds a wait, asserts nothing about speed
METER_URL = "simulated://standard?phases=3&producer=1&seed=21&start=2025-06-14T12:00"


@pytest.fixture(scope="module")
def exporter() -> Iterator[Exporter]:
    with Exporter("--tic.mode", "standard", "--tic.source", f"linky={METER_URL}") as running:
        poll(lambda: running.value("linky_up"), timeout=ARRIVAL_TIMEOUT, what="the meter up")
        yield running


def receiver(tmp_path) -> PrometheusServer:
    return PrometheusServer(tmp_path / "receiver", "global: {}\n",
                            extra_flags=("--web.enable-remote-write-receiver",)).wait_ready()


def closed_window(store, selector: str, after_ms: int) -> bool:
    """True once ``store`` holds a sample of ``selector`` newer than ``after_ms``."""
    return any(ts > after_ms for samples in store(selector).values() for ts in samples)


def close(a: float, b: float) -> bool:
    """Equal to 12 significant digits: VictoriaMetrics stores a value as a decimal (and rounds
    49814992800.00001 back to 49814992800), vmagent's parser can be one unit in the last
    place away from the exporter's text; far below any step of a meter's register."""
    return math.isclose(a, b, rel_tol=1e-12)


def equal_samples(vm: dict, prom: dict) -> bool:
    return vm.keys() == prom.keys() and all(
        vm[labels].keys() == samples.keys() and all(close(vm[labels][t], v) for t, v in samples.items())
        for labels, samples in prom.items())


def same_samples(victoria: VictoriaMetrics, prometheus: PrometheusServer, selector: str, start_ms: int,
                 end_ms: int) -> tuple[dict, dict]:
    def window(samples: dict) -> dict:
        cut = {labels: {t: v for t, v in values.items() if start_ms <= t <= end_ms} for labels, values in samples.items()}
        return {labels: values for labels, values in cut.items() if values}

    return window(victoria.export(selector)), window(prometheus_samples(prometheus, selector, 600))


def assert_equal_samples(vm: dict, prom: dict) -> None:
    assert set(vm) == set(prom), (sorted(map(sorted, set(vm) ^ set(prom)))[:5])
    for labels, samples in prom.items():
        assert vm[labels].keys() == samples.keys(), (dict(labels), sorted(vm[labels].keys() ^ samples.keys())[:5])
        differ = {t: (vm[labels][t], v) for t, v in samples.items() if not close(vm[labels][t], v)}
        assert not differ, (dict(labels), list(differ.items())[:3])


def wait_equal(victoria, prometheus, selector: str, start_ms: int, end_ms: int, what: str) -> dict:
    """Both stores hold every sample of the window, and the same ones."""
    def equal() -> dict | None:
        vm, prom = same_samples(victoria, prometheus, selector, start_ms, end_ms)
        return prom if prom and equal_samples(vm, prom) else None

    try:
        return poll(equal, timeout=ARRIVAL_TIMEOUT, what=what)
    except pytest.fail.Exception:
        assert_equal_samples(*same_samples(victoria, prometheus, selector, start_ms, end_ms))
        raise


def vmagent_scrape_config(exporter: Exporter) -> str:
    """agent.yml as vmagent reads it (deploy/victoriametrics/vmagent.default): its scrape_configs."""
    return agent_config(f"127.0.0.1:{exporter.port}", "http://unused.invalid/api/v1/write")


@pytest.mark.parametrize("sender", ["vmagent", "prometheus-agent"])
def test_remote_write_arrives_intact(tmp_path, exporter, sender):
    victoria = VictoriaMetrics(tmp_path / "vm").wait_ready()
    prometheus = receiver(tmp_path)
    if sender == "vmagent":
        agent = Vmagent(tmp_path / "vmagent", vmagent_scrape_config(exporter),
                        [victoria.write_url, prometheus.url + "/api/v1/write"])
    else:
        config = agent_config(f"127.0.0.1:{exporter.port}", victoria.write_url)
        config += f'  - url: "{prometheus.url}/api/v1/write"\n    queue_config: {{batch_send_deadline: 1s}}\n'
        agent = PrometheusServer(tmp_path / "agent", config, agent=True)
    try:
        agent.wait_ready()
        start_ms = int(time.time() * 1000)
        selector = '{job="linky",site="home"}'
        poll(lambda: len(next(iter(victoria.export('up' + selector).values()), {})) >= 5, timeout=ARRIVAL_TIMEOUT,
             what="five scrapes in VictoriaMetrics")
        end_ms = int(time.time() * 1000) - 1500
        arrived = wait_equal(victoria, prometheus, selector, start_ms, end_ms, "the same samples in both stores")
        names = {dict(labels)["__name__"] for labels in arrived}
        assert {"linky_up", "linky_energy_imported_joules_total", "linky_voltage_volts", "linky_meter_info",
                "linky_meter_clock_offset_seconds", "up"} <= names
        energy_series = [labels for labels in arrived if dict(labels)["__name__"] == "linky_energy_imported_joules_total"]
        assert len(energy_series) == 1, energy_series  # one meter, one serial
        served = exporter.value("linky_energy_imported_joules_total", serial=dict(energy_series[0])["serial"])
        energy = [v for labels in energy_series for v in arrived[labels].values()]
        assert energy and all(v % 3600 == 0 and v <= served for v in energy)
    finally:
        agent.stop()
        prometheus.stop()
        victoria.stop()


def test_vmagent_delivers_its_backlog_after_victoriametrics_comes_back(tmp_path, exporter):
    port = free_port()
    victoria = VictoriaMetrics(tmp_path / "vm", port=port).wait_ready()
    prometheus = receiver(tmp_path)
    agent = Vmagent(tmp_path / "vmagent", vmagent_scrape_config(exporter),
                    [victoria.write_url, prometheus.url + "/api/v1/write"]).wait_ready()
    selector = '{job="linky",site="home"}'
    try:
        start_ms = int(time.time() * 1000)
        poll(lambda: closed_window(victoria.export, "up" + selector, start_ms), timeout=ARRIVAL_TIMEOUT,
             what="samples in VictoriaMetrics before the cut")
        victoria.stop()
        cut_ms = int(time.time() * 1000)
        # The agent keeps scraping: the receiver that stayed up sees the scrapes of the outage.
        poll(lambda: len([t for s in prometheus_samples(prometheus, "up" + selector, 600).values() for t in s
                          if t > cut_ms]) >= 8, timeout=ARRIVAL_TIMEOUT, what="eight scrapes during the outage")
        victoria = VictoriaMetrics(tmp_path / "vm", port=port).wait_ready()
        back_ms = int(time.time() * 1000)
        poll(lambda: closed_window(victoria.export, "up" + selector, back_ms + 1000), timeout=ARRIVAL_TIMEOUT,
             what="new samples after the restart")
        arrived = wait_equal(victoria, prometheus, selector, start_ms, back_ms, "the backlog in VictoriaMetrics")
        outage = {t for labels, samples in arrived.items() if dict(labels)["__name__"] == "up" for t in samples
                  if cut_ms < t < back_ms}
        assert len(outage) >= 8, sorted(outage)
    finally:
        agent.stop()
        prometheus.stop()
        victoria.stop()


# -- VictoriaMetrics scraping the exporter, vmalert, Grafana's queries --------------------

BREAKER_METER = ("cut", "simulated://standard?seed=16&start=2024-01-15T12:00&speed=300"
                        "&scenario=breaker_open&breaker_at=0s&breaker_for=1d")
DEADLINE = 100  # seconds for every panel to show the same series in both stores


def compressed_rules(directory) -> str:
    """The shipped rule files with the 1-minute groups evaluated every 5 s: vmalert's first
    evaluation of a 1-minute group came up to a minute after its start, a wait for nothing."""
    directory.mkdir()
    for path in (DEPLOY / "rules").glob("*.yml"):
        text = path.read_text()
        assert "interval: 1m" in text or "linky-recording" not in path.name
        (directory / path.name).write_text(text.replace("interval: 1m", "interval: 5s"))
    return f"{directory}/*.yml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("victoriametrics")
    config = workdir / "linky.yml"
    config.write_text(PRICES)
    sources = [arg for name, url in [*METERS.items(), BREAKER_METER] for arg in ("--tic.source", f"{name}={url}")]
    webhook = WebhookReceiver()
    started = []
    try:
        with Exporter("--config.file", str(config), *sources) as exporter:
            target = f"127.0.0.1:{exporter.port}"
            alertmanager = AlertmanagerServer(workdir / "alertmanager", alertmanager_config(webhook.url))
            started.append(alertmanager)
            vm_port = free_port()
            # The shipped prometheus.yml as -promscrape.config: its `prometheus` job scrapes VictoriaMetrics itself.
            scrape = workdir / "prometheus.yml"
            scrape.write_text(prometheus_config(target, port=vm_port, interval=f"{SCRAPE:g}s"))
            victoria = VictoriaMetrics(workdir / "vm", f"-promscrape.config={scrape}",
                                       "-promscrape.config.strictParse=false", port=vm_port)
            started.append(victoria)
            prom_port = free_port()
            prometheus = PrometheusServer(workdir / "prometheus",
                                          prometheus_config(target, port=prom_port, interval=f"{SCRAPE:g}s"),
                                          port=prom_port)
            started.append(prometheus)
            victoria.wait_ready()
            alertmanager.wait_ready()
            vmalert = Vmalert(workdir / "vmalert", victoria, alertmanager.url, evaluation_interval=f"{SCRAPE:g}s",
                              rules=compressed_rules(workdir / "rules"))
            started.append(vmalert)
            yield {"exporter": exporter, "victoria": victoria.wait_ready(), "prometheus": prometheus.wait_ready(),
                   "vmalert": vmalert.wait_ready(), "webhook": webhook}
    finally:
        for process in reversed(started):
            process.stop()
        webhook.stop()


def series_of(execution) -> set[frozenset]:
    return {frozenset(series["metric"].items()) for series in execution.result}


def test_every_panel_query_returns_the_same_series_from_victoriametrics(stack):
    meters = list(METERS)
    selector = 'linky_current_amperes{meter=~"' + "|".join(meters) + '"}'
    phases = sorted(poll(lambda: {s["metric"]["phase"] for s in stack["prometheus"].query(selector)} >= {"1", "2", "3"}
                         and ["1", "2", "3"], timeout=30, what="phases"))
    runners = {name: GrafanaLike(stack[name], meters, phases, scrape_interval=SCRAPE, dashboard_range=15, shift=15,
                                 compare_offset="15s") for name in ("prometheus", "victoria")}
    report: dict[str, list] = {}

    def same_everywhere() -> bool:
        now = time.time() - 2  # both stores have the scrapes of that instant
        prom, vm = (runners[name].execute_all(now) for name in ("prometheus", "victoria"))
        report["count"] = len(prom)
        report["differ"] = [(p.query.where, p.problem(), v.problem(), sorted(map(sorted, series_of(p) ^ series_of(v)))[:3])
                            for p, v in zip(prom, vm) if p.problem() or v.problem() or series_of(p) != series_of(v)]
        return not report["differ"]

    deadline = time.monotonic() + DEADLINE
    while not same_everywhere():
        if time.monotonic() > deadline:
            lines = "\n".join(f"- {where}\n    prometheus: {p}\n    victoriametrics: {v}\n    differ: {d}"
                              for where, p, v, d in report["differ"])
            pytest.fail(f"{len(report['differ'])} of {report['count']} panel queries differ:\n{lines}")
        time.sleep(1)
    assert report["count"] > 60


def test_vmalert_evaluates_the_shipped_rules_and_its_alert_reaches_the_webhook(stack):
    vmalert = stack["vmalert"]

    def evaluated() -> list[dict] | None:
        rules = vmalert.rules()
        return rules if rules and all(not rule["lastEvaluation"].startswith("0001") for rule in rules) else None

    rules = poll(evaluated, timeout=90, what="every rule evaluated once by vmalert")
    assert [(rule["name"], rule["lastError"]) for rule in rules if rule.get("lastError")] == []
    shipped = sum(text.count("- record:") + text.count("- alert:")
                  for text in (path.read_text() for path in (DEPLOY / "rules").glob("*.yml")))
    assert len(rules) == shipped

    def breaker_alert() -> list[dict]:
        return [alert for notification in stack["webhook"].notifications() for alert in notification["alerts"]
                if alert["labels"].get("alertname") == "LinkyBreakerOpen" and alert["status"] == "firing"]

    alerts = poll(breaker_alert, timeout=ARRIVAL_TIMEOUT, what="LinkyBreakerOpen at the webhook")
    labels = alerts[0]["labels"]
    assert labels["meter"] == "cut" and labels["severity"] == "critical" and labels["job"] == "linky"
    assert "open" in alerts[0]["annotations"]["summary"]

    # Recorded series written back to VictoriaMetrics: the power (every evaluation) and the
    # subscription's cost of the day (1-minute group), as the configured price says.
    victoria = stack["victoria"]
    power = poll(lambda: victoria.query('meter:linky_active_power_watts:rate5m{meter="mono"}'), timeout=30,
                 what="the recorded power")
    assert len(power) == 1 and math.isfinite(float(power[0]["value"][1]))
    subscription = poll(lambda: victoria.query('meter:linky_subscription_cost_euros:increase1d{meter="mono"}'),
                        timeout=90, what="the recorded subscription cost")
    assert [float(s["value"][1]) for s in subscription] == [0.4732]


# -- the files of deploy/victoriametrics --------------------------------------------------

DEFAULTS = {"victoria-metrics.default": "victoria-metrics", "vmagent.default": "vmagent", "vmalert.default": "vmalert"}


def shipped_flags(name: str) -> list[str]:
    args = re.search(r'^ARGS="(.*)"$', (VM_DEPLOY / name).read_text(), re.M)[1]
    return re.findall(r"(?<!\S)-[a-zA-Z][\w.]*", args)


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_shipped_flag_exists(name):
    binary = require_binary(DEFAULTS[name])
    done = subprocess.run([binary, "-help"], capture_output=True, text=True, timeout=30)
    known = set(re.findall(r"^\s+(-[a-zA-Z][\w.]*)", done.stdout + done.stderr, re.M))
    flags = shipped_flags(name)
    assert flags and not set(flags) - known, sorted(set(flags) - known)


def test_the_shipped_configuration_and_rules_pass_the_dry_runs():
    config = ["-promscrape.config.strictParse=false", "-promscrape.config.dryRun", "-loggerLevel=ERROR"]
    run_tool("victoria-metrics", f"-promscrape.config={DEPLOY / 'prometheus.yml'}", *config)
    run_tool("vmagent", f"-promscrape.config={DEPLOY / 'agent.yml'}", *config)
    run_tool("vmalert", "-dryRun", f"-rule={DEPLOY / 'rules'}/*.yml", "-loggerLevel=ERROR")


@pytest.mark.parametrize("unit", ["vmagent.service", "vmalert.service"])
def test_the_units_start_what_the_defaults_configure(unit):
    text = (VM_DEPLOY / unit).read_text()
    name = unit.removesuffix(".service")
    assert f"EnvironmentFile=/etc/default/{name}" in text and f"ExecStart=/usr/bin/{name} $ARGS" in text
    assert "User=_victoria-metrics" in text  # the package's user
