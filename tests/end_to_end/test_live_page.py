"""The live page at / in a real headless Chromium: what it shows is what /metrics says.

Three real captures are read to their end at once (their last values then stay), so the
page and /metrics can be compared exactly: single-phase standard (Tempo), three-phase
historique (EJP) and a producer. The three-phase capture replayed in a loop is priced, and
a TCP line the test writes frames to shows the page following a change by itself.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from ..support.browser import Chromium
from ..support.captures import fixture_path, require_shared
from ..support.exporter_process import Exporter, TcpLine
from ..support.processes import wait_for

pytestmark = pytest.mark.slow

TRI = fixture_path("hist_tri_ejp_cbetm__openhab_cbetm-ejp-option-1.tic")
PRODUCER = fixture_path("std_mono_prod_linky__openhab_linky-tic-mode-standard-single-phase-prod.tic")
LIVE = fixture_path("hist_mono_tempo_linky__pyteleinfo_captured_frames.tic")
PRICES = {"priced": {"per_kwh": {1: 0.1323, 2: 0.5}, "subscription_per_day": 0.5}}  # EJP: normal and mobile-peak hours

#: data-field on the page -> (metric, labels besides meter) in /metrics. "{n}" is a phase.
SAME_AS_METRICS = {
    "power.import.va": ("linky_apparent_power_volt_amperes", {"direction": "import"}),
    "power.export.va": ("linky_apparent_power_volt_amperes", {"direction": "export"}),
    "power.import.w": ("linky_active_power_watts", {"direction": "import"}),
    "power.export.w": ("linky_active_power_watts", {"direction": "export"}),
    "subscription.reference_va": ("linky_reference_power_volt_amperes", {}),
    "phase.{n}.current_a": ("linky_current_amperes", {"phase": "{n}"}),
    "phase.{n}.voltage_v": ("linky_voltage_volts", {"phase": "{n}"}),
    "phase.{n}.va": ("linky_phase_apparent_power_volt_amperes", {"phase": "{n}"}),
}
STATES = {
    "tariff.tempo_today": ("linky_tempo_color", {"day": "today"}),
    "tariff.tempo_tomorrow": ("linky_tempo_color", {"day": "tomorrow"}),
    "subscription.breaker": ("linky_breaker_state", {}),
}
READ_FIELDS = """Object.fromEntries([...document.querySelectorAll('[data-meter]')].map(card => [card.dataset.meter,
  Object.fromEntries([...card.querySelectorAll('[data-field]')].map(e => [e.dataset.field, e.dataset.value ?? null]))]))"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    shared = require_shared()
    mono = shared / "std_mono_tempo_linky__ticmeter_STANDARD_MONO2.tic"
    config = tmp_path_factory.mktemp("live") / "config.yml"
    config.write_text(json.dumps({"prices": PRICES}))  # JSON is YAML
    line = TcpLine()
    # Read to their end at once, the three captures' last values then stay: the page and
    # /metrics can be compared exactly. "priced" replays the three-phase capture in a loop,
    # so that its indexes are confirmed (a second reading) and the day gets a cost.
    sources = {"mono": f"file://{mono}?pace=fast", "tri": f"file://{TRI}?pace=fast",
               "producer": f"file://{PRODUCER}?pace=fast", "priced": f"file://{TRI}?loop=1", "line": line.url}
    args = [arg for name, url in sources.items() for arg in ("--tic.source", f"{name}={url}")]
    with Exporter(*args, "--tic.stale-after", "10m", "--config.file", str(config)) as exporter, Chromium() as browser:
        wait_for(lambda: all(exporter.value("linky_up", meter=name) == 1 for name in ("mono", "tri", "producer")),
                 timeout=30, what="the three captures read")
        browser.page.open(exporter.url("/"))
        browser.page.wait_for("Number(document.getElementById('updated')?.dataset?.refreshes || 0) >= 1", what="a first refresh")
        try:
            yield exporter, browser.page, line
        finally:
            line.stop()


def _fields(phases: int) -> list[tuple[str, str, dict[str, str]]]:
    """(data-field, metric, labels) to compare; the phase rows only on a three-phase card."""
    out = []
    for field, (name, labels) in SAME_AS_METRICS.items():
        if "{n}" not in field:
            out.append((field, name, labels))
            continue
        for n in range(1, phases + 1):
            out.append((field.replace("{n}", str(n)), name, {k: v.replace("{n}", str(n)) for k, v in labels.items()}))
    return out


def metric(samples: dict, name: str, meter: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted({"meter": meter, **labels}.items()))))


def state(samples: dict, name: str, meter: str, **labels: str) -> str | None:
    for (metric_name, key), value in samples.items():
        if metric_name == name and value == 1 and all(item in key for item in {"meter": meter, **labels}.items()):
            return dict(key)[name]
    return None


@pytest.mark.parametrize("meter", ["mono", "tri", "producer"])
def test_the_page_shows_what_metrics_says(stack, meter):
    exporter, page, _ = stack
    page.evaluate("document.stale = true; window.location.reload()")
    page.wait_for("!document.stale && Number(document.getElementById('updated')?.dataset?.refreshes || 0) >= 1",
                  what="the reloaded page")
    samples = exporter.scrape()
    shown = page.evaluate(READ_FIELDS)[meter]
    compared = 0
    for field, name, labels in _fields(phases=3 if meter == "tri" else 0):
        expected = metric(samples, name, meter, **labels)
        got = shown.get(field)
        assert (None if got is None else float(got)) == expected, (meter, field, got, expected)
        compared += expected is not None
    for field, (name, labels) in STATES.items():
        expected = state(samples, name, meter, **labels)
        if field in shown or expected not in (None, "unknown"):  # "unknown" Tempo colours of a non-Tempo meter are not shown
            assert shown.get(field) == expected, (meter, field)
    assert shown["up"] == "true" and compared >= 2, shown


def test_each_card_says_what_the_meter_is(stack):
    _, page, _ = stack
    shown = page.evaluate(READ_FIELDS)
    assert set(shown) == {"mono", "tri", "producer", "priced", "line"}
    assert "simulated" not in shown["mono"]  # real captures are not marked simulated
    assert shown["tri"]["phase.3.current_a"] is not None
    assert shown["producer"]["power.export.va"] is not None and shown["mono"].get("power.export.va") is None


def test_today_is_priced_from_the_configured_prices(stack):
    exporter, page, _ = stack
    def priced() -> dict | None:
        doc = {m["meter"]: m for m in json.loads(exporter.get("/api/live")[1])["meters"]}
        return doc if doc["priced"]["today"]["by_index"] else None

    # The capture's index is exposed once a second reading confirms it (the index guard).
    doc = wait_for(priced, timeout=60, what="the three-phase meter's confirmed indexes")
    page.wait_for("document.querySelector('[data-meter=priced] [data-field=\"today.euros\"]')?.dataset?.value !== undefined",
                  what="the day's cost on the page")
    today = doc["priced"]["today"]
    assert not today["complete"] and today["since"] is not None  # the exporter started after midnight
    assert {row["index"] for row in today["by_index"]} == {1, 2}
    for row in today["by_index"]:
        assert row["euros"] == round(row["wh"] / 1000 * PRICES["priced"]["per_kwh"][row["index"]], 4)
    assert today["euros"] == round(sum(row["euros"] for row in today["by_index"]) + 0.5, 4)
    shown = page.evaluate(READ_FIELDS)["priced"]
    assert float(shown["today.euros"]) == today["euros"] and float(shown["today.subscription_euros"]) == 0.5
    # No price configured, or a capture without the meter's serial (no energy exposed): no cost, not a made-up one.
    assert doc["producer"]["today"]["euros"] is None and doc["tri"]["today"]["euros"] is None


def test_the_page_follows_the_meter_by_itself(stack):
    exporter, page, line = stack
    frames = LIVE.read_bytes().split(b"\x03")
    first = frames[1][frames[1].index(b"\x02"):] + b"\x03"
    changed = first.replace(b"PAPP 02840 /", b"PAPP 03000 " + bytes([(sum(b"PAPP 03000") & 0x3F) + 0x20]))
    assert changed != first
    wait_for(line.connected, what="the exporter's connection")
    line.write(first + first)
    read_va = "(document.querySelector('[data-meter=line] [data-field=\"power.import.va\"]') || {dataset: {}}).dataset.value"
    page.wait_for(f"{read_va} === '2840.0' || {read_va} === '2840'", timeout=30, what="the first value, without a reload")
    line.write(changed + changed)
    page.wait_for(f"{read_va} === '3000.0' || {read_va} === '3000'", timeout=30, what="the new value, without a reload")


def test_the_page_loads_nothing_from_elsewhere_and_runs_clean(stack):
    exporter, page, _ = stack
    origin = urllib.parse.urlsplit(exporter.url("/"))
    for url in page.requested:
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme in ("data", "about") or (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), url
    assert page.console_errors == []
    status, body = exporter.get("/")
    assert status == 200 and len(body.encode()) <= 50_000


def test_the_page_fits_a_phone(stack):
    _, page, _ = stack
    page.viewport(360, 740)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.viewport(1280, 900)


def test_the_page_and_its_data_are_behind_the_same_basic_auth_as_metrics(tmp_path):
    import base64

    import bcrypt

    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  alice: '{bcrypt.hashpw(b's3cret', bcrypt.gensalt(4)).decode()}'\n")
    good = {"Authorization": "Basic " + base64.b64encode(b"alice:s3cret").decode()}
    with Exporter("--tic.source", f"file://{TRI}?pace=fast", "--web.config.file", str(config)) as exporter:
        for path in ("/", "/api/live", "/metrics"):
            assert exporter.get(path)[0] == 401, path
            assert exporter.get(path, headers=good)[0] == 200, path
        assert json.loads(exporter.get("/api/live", headers=good)[1])["meters"][0]["meter"] == "linky"
