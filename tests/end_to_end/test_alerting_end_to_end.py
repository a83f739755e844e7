"""From the meter to the householder's webhook: simulated meters, the real exporter, the
shipped rules in a real Prometheus, the shipped Alertmanager routes, a webhook.

Two meters in one exporter run the two stories side by side (the alerts' `for:` are
tested as shipped, so the test waits them out, once, in parallel):

* `tempo`, an in-process simulated Tempo meter at 300 simulated seconds per second,
  started at 19:59:30 on the day before a forced red day. The meter announces
  tomorrow's red at 20:00 (half a real second in): LinkyTempoRedTomorrow holds for its
  1 minute and reaches the webhook. At 06:00 the red day starts (10 simulated hours =
  120 real seconds after the start), tomorrow is no longer announced and the alert
  resolves.
* `quiet`, a simulated meter behind `linky-exporter simulate --tcp` (a ser2net
  stand-in) whose `silent` scenario stops the frames 12 s after it starts, with the
  TCP connection still open: that is a meter that stops talking. linky_up drops to 0
  after the exporter's --tic.stale-after (5 s here); LinkyMeterSilent holds for its 2
  minutes and reaches the webhook. Then the test replaces the silent simulator by a
  talking one on the same address (a meter that talks again after a dongle is
  replugged): the exporter reconnects, linky_up is 1 again and the alert resolves.

Only addresses and intervals differ from the shipped files: Prometheus scrapes and
evaluates every second (prometheus.yml through promtools.prometheus_config), and
Alertmanager's group_wait/group_interval are 1 s (promtools.alertmanager_config).
The whole test takes about 2.5 minutes, bounded below by LinkyMeterSilent's `for: 2m`.
"""

from __future__ import annotations

import pytest

from tests.support.exporter_process import Exporter
from tests.support.promtools import (
    AlertmanagerServer,
    PrometheusServer,
    WebhookReceiver,
    alertmanager_config,
    free_port,
    poll,
    prometheus_config,
)
from tests.support.simulator_process import SimulatedTcp

# Prometheus and Alertmanager for minutes of simulated meters: the slowest test of the suite.
pytestmark = pytest.mark.slow

# Tempo: tomorrow (2025-01-15) forced red, announced at 20:00; 06:00 is 120 real s away.
TEMPO_URL = (
    "simulated://standard?contract=tempo&seed=5&scenario=tempo_red&red_day=2025-01-15"
    "&start=2025-01-14T19:59:30&speed=300"
)
# A meter that talks for 12 s of its own time, then never again (the connection stays up).
QUIET_URL = "simulated://standard?seed=6&scenario=silent&silent_at=12s"
TALKING_URL = "simulated://standard?seed=6"

# Bounds for waits, never assertions on speed: `for:` + scrape/evaluation + notification.
FIRST_SAMPLES = 30
TEMPO_FIRES = 150
TEMPO_RESOLVES = 150
SILENT_FIRES = 240
SILENT_RESOLVES = 60


def alerts_in(webhook: WebhookReceiver, alertname: str, status: str, meter: str) -> list[dict]:
    """Every alert of that name, status and meter in the notifications received so far."""
    return [
        {**alert, "receiver": notification["receiver"]}
        for notification in webhook.notifications()
        for alert in notification["alerts"]
        if alert["labels"].get("alertname") == alertname
        and alert["status"] == status
        and alert["labels"].get("meter") == meter
    ]


def value(prometheus: PrometheusServer, expr: str) -> float | None:
    result = prometheus.query(expr)
    return float(result[0]["value"][1]) if len(result) == 1 else None


def test_tempo_and_silent_meter_notifications_and_resolutions(tmp_path, webhook):
    alertmanager = AlertmanagerServer(tmp_path / "alertmanager", alertmanager_config(webhook.url, fast=True))
    quiet = SimulatedTcp(QUIET_URL)
    exporter = Exporter(
        "--tic.mode", "standard",
        "--tic.stale-after", "5s",
        "--tic.source", f"tempo={TEMPO_URL}",
        "--tic.source", f"quiet={quiet.path}",
    )
    port = free_port()
    prometheus = PrometheusServer(
        tmp_path / "prometheus",
        prometheus_config(f"127.0.0.1:{exporter.port}", port=port, alertmanager=f"127.0.0.1:{alertmanager.port}"),
        port=port,
    )
    try:
        with exporter:
            alertmanager.wait_ready()
            prometheus.wait_ready()
            _run_story(prometheus, exporter, webhook, quiet_address=quiet.address, quiet=quiet)
    finally:
        prometheus.stop()
        alertmanager.stop()
        quiet.close()


def _run_story(prometheus, exporter, webhook, *, quiet_address: str, quiet: SimulatedTcp) -> None:
    # Both meters talk and are scraped before anything goes wrong.
    poll(lambda: value(prometheus, 'linky_up{meter="quiet"}') == 1, timeout=FIRST_SAMPLES,
         what="the talking quiet meter in Prometheus (before its silence at 12 s)")
    poll(lambda: value(prometheus, 'linky_tempo_color{meter="tempo",day="tomorrow",linky_tempo_color="red"}') == 1,
         timeout=FIRST_SAMPLES, what="tomorrow's red announced by the tempo meter")

    # 1. Tomorrow is red: notified once the alert has held for its minute.
    fired = poll(lambda: alerts_in(webhook, "LinkyTempoRedTomorrow", "firing", "tempo"),
                 timeout=TEMPO_FIRES, what="LinkyTempoRedTomorrow firing at the webhook")
    assert fired[0]["labels"]["severity"] == "info"
    assert fired[0]["receiver"] == "webhook"
    assert "Tempo RED" in fired[0]["annotations"]["summary"]
    assert fired[0]["labels"]["job"] == "linky"

    # 2. The red day starts at 06:00: tomorrow is not announced yet, the alert resolves.
    resolved = poll(lambda: alerts_in(webhook, "LinkyTempoRedTomorrow", "resolved", "tempo"),
                    timeout=TEMPO_RESOLVES, what="LinkyTempoRedTomorrow resolved at the webhook")
    assert resolved[0]["endsAt"] > fired[0]["startsAt"]
    assert value(prometheus, 'linky_tempo_color{meter="tempo",day="today",linky_tempo_color="red"}') == 1
    assert value(prometheus, 'linky_tempo_color{meter="tempo",day="tomorrow",linky_tempo_color="unknown"}') == 1

    # 3. The quiet meter has stopped talking (connection still up): notified after 2 minutes.
    poll(lambda: value(prometheus, 'linky_up{meter="quiet"}') == 0, timeout=SILENT_FIRES,
         what="linky_up 0 for the silent meter")
    assert value(prometheus, 'linky_exporter_source_connected{meter="quiet"}') == 1
    silent = poll(lambda: alerts_in(webhook, "LinkyMeterSilent", "firing", "quiet"),
                  timeout=SILENT_FIRES, what="LinkyMeterSilent firing at the webhook")
    assert silent[0]["labels"]["severity"] == "warning"
    assert "No data from Linky meter quiet" == silent[0]["annotations"]["summary"]
    # the talking meter is never reported silent
    assert alerts_in(webhook, "LinkyMeterSilent", "firing", "tempo") == []
    assert alerts_in(webhook, "LinkyMeterSilent", "resolved", "quiet") == []

    # 4. A talking meter behind the same address: the exporter reconnects, the alert resolves.
    quiet.close()
    with SimulatedTcp(TALKING_URL, quiet_address):
        back = poll(lambda: alerts_in(webhook, "LinkyMeterSilent", "resolved", "quiet"),
                    timeout=SILENT_RESOLVES, what="LinkyMeterSilent resolved at the webhook")
        assert back[0]["endsAt"] > silent[0]["startsAt"]
        assert value(prometheus, 'linky_up{meter="quiet"}') == 1
        assert exporter.value("linky_exporter_source_reconnects_total", meter="quiet") >= 1

    # Nothing else went wrong on the way.
    names = {alert["labels"]["alertname"] for n in webhook.notifications() for alert in n["alerts"]}
    assert "LinkyExporterDown" not in names and "LinkyChecksumErrorsHigh" not in names, names
