"""report/prices.py: the prices file, every value checked, a bad one refused in one line naming its key."""

from __future__ import annotations

from datetime import date

import pytest

from linky_exporter.report.prices import PricesError, parse_prices, read_prices

GOOD = """\
name: EDF, grid of 2025-02-01
valid_from: 2025-02-01
base:
  subscription_per_month: {6: 15.65, 9: 19.56}
  per_kwh: 0.2016
hc:
  subscription_per_year: {6: 191.88}
  per_kwh: {hc: 0.1635, hp: 0.2081}
tempo:
  subscription_per_day: {9: 0.53}
  per_kwh: {blue_hc: 0.12, blue_hp: 0.15, white_hc: 0.14, white_hp: 0.17, red_hc: 0.15, red_hp: 0.65}
  offpeak: "22:00-06:00"
"""


def test_a_good_file(tmp_path):
    path = tmp_path / "prices.yml"
    path.write_text(GOOD)
    prices = read_prices(path)
    assert prices.name == "EDF, grid of 2025-02-01" and prices.valid_from == date(2025, 2, 1)
    assert prices.contracts["base"].per_kwh == {"base": 0.2016}
    assert prices.contracts["base"].subscription_per_day[6] == pytest.approx(15.65 * 12 / 365)
    assert prices.contracts["hc"].subscription_per_day[6] == pytest.approx(191.88 / 365)
    assert prices.contracts["tempo"].per_kwh["red_hp"] == 0.65 and "ejp" not in prices.contracts
    assert prices.tempo_offpeak == "22:00-06:00"


@pytest.mark.parametrize("document, message", [
    ({"bse": {}}, "bse: unknown key"),
    ({}, "no contract is priced"),
    ({"base": {"per_kwh": 0.2}}, "base: give exactly one of subscription_per_day"),
    ({"base": {"per_kwh": 0.2, "subscription_per_day": {6: 1}, "subscription_per_year": {6: 1}}}, "(not subscription_per_day and"),
    ({"base": {"subscription_per_day": {6: 1}}}, "base.per_kwh: missing"),
    ({"base": {"per_kwh": "0,2", "subscription_per_day": {6: 1}}}, "base.per_kwh: expected a price in euros"),
    ({"base": {"per_kwh": -1, "subscription_per_day": {6: 1}}}, "base.per_kwh: expected a finite price"),
    ({"hc": {"per_kwh": {"hc": 0.1}, "subscription_per_day": {6: 1}}}, "hc.per_kwh: missing hp"),
    ({"hc": {"per_kwh": {"hc": 0.1, "hp": 0.2, "hpp": 1}, "subscription_per_day": {6: 1}}}, "hc.per_kwh.hpp: unknown price"),
    ({"hc": {"per_kwh": {"hc": 0.1, "hp": 0.2}, "subscription_per_day": {7: 1}}}, "hc.subscription_per_day.7: not a subscribed power"),
    ({"hc": {"per_kwh": {"hc": 0.1, "hp": 0.2}, "subscription_per_day": {6: True}}}, "hc.subscription_per_day.6: expected a price"),
    ({"hc": {"per_kwh": {"hc": 0.1, "hp": 0.2}, "subscription_per_day": {6: 1}, "offpeak": "22-6"}}, "hc.offpeak: unknown key"),
    ({"base": {"per_kwh": 0.2, "subscription_per_day": {6: 1}}, "valid_from": "2025"}, "valid_from: expected a date"),
])
def test_a_bad_value_is_refused_in_one_line_naming_its_key(document, message):
    with pytest.raises(PricesError) as caught:
        parse_prices(document, "prices.yml")
    text = str(caught.value)
    assert text.startswith("prices.yml: ") and message in text and "\n" not in text, text


def test_a_bad_file_names_itself(tmp_path):
    path = tmp_path / "prices.yml"
    path.write_text("base: [1, 2\n")
    with pytest.raises(PricesError, match=f"^{path}: is not valid YAML: line"):
        read_prices(path)
    with pytest.raises(PricesError, match="does not exist"):
        read_prices(tmp_path / "none.yml")
