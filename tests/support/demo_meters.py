"""Five simulated meters (every contract and layout, a producer, an overload) with their prices.

Shared by the end-to-end tests that need a household's worth of series in a real TSDB
(tests/end_to_end/test_dashboards_end_to_end.py, tests/end_to_end/test_victoriametrics.py).
"""

from __future__ import annotations

SPEED = 300
METERS = {
    "mono": f"simulated://standard?contract=hc&seed=11&start=2024-01-15T21:58&speed={SPEED}",
    "tri": f"simulated://standard?phases=3&contract=hc&seed=12&start=2024-01-16T05:58&speed={SPEED}",
    "producer": f"simulated://standard?producer=1&seed=13&start=2024-06-15T11:00&speed={SPEED}",
    "tempo": f"simulated://standard?contract=tempo&seed=14&start=2025-01-14T19:58&speed={SPEED}",
    "hist": f"simulated://historique?contract=hc&seed=15&start=2024-01-15T12:00&speed={SPEED}"
            "&scenario=overload&overload_at=1m&overload_for=1d",
}
PRICES = """\
prices:
  mono: {subscription_per_day: 0.4732, per_kwh: {1: 0.1296, 2: 0.1609}}
  tri: {subscription_per_day: 0.6012, per_kwh: {1: 0.1296, 2: 0.1609}}
  producer: {subscription_per_day: 0.4127, per_kwh: {1: 0.2016}}
  tempo: {subscription_per_day: 0.4307, per_kwh: {1: 0.1296, 2: 0.1609, 3: 0.1486, 4: 0.1894, 5: 0.1568, 6: 0.7562}}
  hist: {subscription_per_day: 0.4732, per_kwh: {1: 0.1296, 2: 0.1609}}
"""
SCRAPE = 1.0
