"""deploy/prometheus/alertmanager.yml does what it says, in a real Alertmanager.

Alerts are posted to Alertmanager's API as Prometheus would post them: routing by
severity (amtool), the inhibitions (Alertmanager's own view of each alert), and a
webhook that receives a notification and its resolution. The config is the shipped
one with the webhook URL replaced and group_wait/group_interval shortened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.support.promtools import DEPLOY, AlertmanagerServer, alertmanager_config, poll, run_tool

PI = {"job": "linky", "instance": "pi:9798"}


def alert(name: str, severity: str, **labels: str) -> dict:
    return {
        "labels": {"alertname": name, "severity": severity, **PI, **labels},
        "annotations": {"summary": name, "description": name},
    }


@pytest.fixture
def alertmanager(tmp_path, webhook) -> Iterator[AlertmanagerServer]:
    server = AlertmanagerServer(tmp_path / "alertmanager", alertmanager_config(webhook.url))
    try:
        yield server.wait_ready()
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("severity", "receiver"),
    [("critical", "email-and-webhook"), ("warning", "webhook"), ("info", "webhook"), ("none", "webhook")],
)
def test_routing_by_severity(severity, receiver):
    done = run_tool(
        "amtool", "config", "routes", "test", f"--config.file={DEPLOY / 'alertmanager.yml'}",
        f"severity={severity}", "alertname=LinkyTempoRedTomorrow", "meter=linky",
    )
    assert done.stdout.split() == [receiver]


def _state(alertmanager: AlertmanagerServer) -> dict[tuple[str, str], dict]:
    return {(a["labels"]["alertname"], a["labels"].get("meter", "")): a["status"] for a in alertmanager.alerts()}


@pytest.mark.slow
def test_breaker_open_silences_the_power_alerts_of_its_meter_only(alertmanager):
    alertmanager.post_alerts([
        alert("LinkyBreakerOpen", "critical", meter="linky", linky_breaker_state="open_overpower"),
        alert("LinkyReferencePowerExceeded", "critical", meter="linky"),
        alert("LinkyPowerNearSubscribed", "warning", meter="linky"),
        alert("LinkyPowerNearSubscribed", "warning", meter="garage"),
        alert("LinkyTempoRedTomorrow", "info", meter="linky"),
    ])
    state = poll(
        lambda: (s := _state(alertmanager)).get(("LinkyPowerNearSubscribed", "linky"), {}).get("inhibitedBy") and s,
        timeout=30, what="Alertmanager to inhibit LinkyPowerNearSubscribed",
    )
    assert state[("LinkyReferencePowerExceeded", "linky")]["inhibitedBy"]
    assert state[("LinkyPowerNearSubscribed", "garage")]["state"] == "active"
    assert state[("LinkyTempoRedTomorrow", "linky")]["state"] == "active"
    assert state[("LinkyBreakerOpen", "linky")]["state"] == "active"


@pytest.mark.slow
def test_silent_meter_and_exporter_down_silence_the_rest(alertmanager):
    alertmanager.post_alerts([
        alert("LinkyMeterSilent", "warning", meter="linky"),
        alert("LinkyTempoRedTomorrow", "info", meter="linky"),
        alert("LinkyTempoRedTomorrow", "info", meter="garage"),
    ])
    state = poll(
        lambda: (s := _state(alertmanager)).get(("LinkyTempoRedTomorrow", "linky"), {}).get("inhibitedBy") and s,
        timeout=30, what="a silent meter to inhibit its Tempo notice",
    )
    assert state[("LinkyTempoRedTomorrow", "garage")]["state"] == "active"
    assert state[("LinkyMeterSilent", "linky")]["state"] == "active"

    # `up` has no meter label: an exporter down silences every meter of that exporter
    alertmanager.post_alerts([{"labels": {"alertname": "LinkyExporterDown", "severity": "warning", **PI}}])
    state = poll(
        lambda: (s := _state(alertmanager)).get(("LinkyMeterSilent", "linky"), {}).get("inhibitedBy") and s,
        timeout=30, what="an exporter down to inhibit the silent meter",
    )
    assert state[("LinkyTempoRedTomorrow", "garage")]["inhibitedBy"]
    assert state[("LinkyExporterDown", "")]["state"] == "active"


@pytest.mark.slow
def test_webhook_receives_the_notification_then_its_resolution(alertmanager, webhook):
    tempo = alert("LinkyTempoRedTomorrow", "info", meter="linky", day="tomorrow", linky_tempo_color="red")
    alertmanager.post_alerts([tempo])
    firing = poll(
        lambda: [n for n in webhook.notifications() if n["status"] == "firing"],
        timeout=30, what="the firing notification at the webhook",
    )
    assert firing[0]["commonLabels"]["alertname"] == "LinkyTempoRedTomorrow"
    assert firing[0]["receiver"] == "webhook"

    tempo["endsAt"] = datetime.now(timezone.utc).isoformat()
    alertmanager.post_alerts([tempo])
    resolved = poll(
        lambda: [n for n in webhook.notifications() if n["status"] == "resolved"],
        timeout=30, what="the resolved notification at the webhook",
    )
    assert resolved[0]["alerts"][0]["labels"]["meter"] == "linky"
