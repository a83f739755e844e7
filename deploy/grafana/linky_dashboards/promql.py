"""PromQL fragments shared by the dashboards, on the raw metrics of docs/metrics.md.

Every query works without recording rules. ``$meter`` is a multi-value variable:
Grafana turns it into a regex, hence ``=~`` everywhere.
"""

from __future__ import annotations

from .kit import METER

JOULES_PER_KWH = "3.6e6"


def by_meter(expr: str) -> str:
    """``expr`` with the meter's ``serial`` summed out: one series per source again.

    Energy series carry the serial of the meter whose register they are, so a replaced
    meter begins new series (docs/metrics.md). ``increase()`` and ``rate()`` must run per
    serial and the results be added after: summing the registers of two meters first
    would turn the change of meter into energy that was never drawn.
    """
    return f"sum without (serial) ({expr})"


def sel(metric: str, **labels: str) -> str:
    """``metric{meter=~"$meter", k="v", ...}``; a value starting with ``~`` is a regex match."""
    matchers = [METER] + [f'{k}=~"{v[1:]}"' if v.startswith("~") else f'{k}="{v}"' for k, v in labels.items()]
    return f"{metric}{{{', '.join(matchers)}}}"


def named_by_index(expr: str) -> str:
    """Attach the tariff index's ``name`` (from linky_tariff_index_info) to a per-index series.

    An index the meter has not named yet (standard mode learns a name from LTARF only
    while the index is current) keeps its series, named ``index N``, rather than
    vanishing from a stacked total.
    """
    info = sel("linky_tariff_index_info", register="supplier")
    return (
        f"({expr}) * on(meter, register, index) group_left(name) {info}\n"
        f'or on(meter, register, index)\nlabel_replace({expr}, "name", "index $1", "index", "(.+)")'
    )


def used_supplier_index(duration: str) -> str:
    """Supplier indexes that ever counted: the unused ones (EASF07-10 at 0) stay out of legends.

    An index stays if any meter of the source had it above 0 during ``window(duration)``:
    after a meter change, the old meter's energy on an index the new one has not used yet
    still counts.
    """
    registers = sel("linky_energy_imported_by_index_joules_total", register="supplier")
    return f"unless on(meter, register, index) (max without (serial) (max_over_time({registers}{window(duration)})) == 0)"


def window(duration: str) -> str:
    """The range of a query over ``duration``: ``[$__range]``, or for a literal bucket
    (``1h``, ``1d``, ``30d``) ``[1d] offset -1d``: the bucket that STARTS at the point.

    Grafana rounds the start and the end of a range query down to a multiple of the step
    (from local midnight), so the last point of a daily panel is today's midnight. A
    bucket ending at its point would leave today (this hour, these 30 days) out until it
    is over; a bucket starting at its point is today so far. The bars are drawn after
    their point (kit.timeseries(bars="after")) to cover the bucket they count.
    """
    return f"[{duration}]" if duration.startswith("$") else f"[{duration}] offset -{duration}"


def kwh_by_index(duration: str) -> str:
    """kWh drawn per supplier index over ``window(duration)``, named."""
    return f"({named_by_index(_supplier_kwh(window(duration)))})\n{used_supplier_index(duration)}"


def _supplier_kwh(range_: str) -> str:
    """kWh drawn per supplier index over ``range_`` (``[...]`` with any offset), the serial summed out."""
    registers = sel("linky_energy_imported_by_index_joules_total", register="supplier")
    return f"{by_meter(f'increase({registers}{range_})')} / {JOULES_PER_KWH}"


def energy_cost_by_index(duration: str) -> str:
    """Euros of energy per supplier index over ``window(duration)``: kWh x the configured price."""
    energy = _supplier_kwh(window(duration))
    price = sel("linky_tariff_price_euros_per_kilowatt_hour", register="supplier")
    if not duration.startswith("$"):
        # The price in force at the end of the bucket (as the recording rules price it),
        # not at its start, when the exporter may not have been running yet.
        price = f"last_over_time({price}{window(duration)})"
    return f"({named_by_index(f'{energy} * on(meter, register, index) {price}')})\n{used_supplier_index(duration)}"


def total_cost(window: str, days: str) -> str:
    """Energy (every priced index) plus subscription over ``days`` days, per meter.

    The two parts have different label sets, so ``or`` keeps both and ``sum by`` adds
    them; a meter with prices but no subscription (or the reverse) still shows a total.
    """
    energy = _supplier_kwh(f"[{window}]")
    price = sel("linky_tariff_price_euros_per_kilowatt_hour", register="supplier")
    subscription = sel("linky_subscription_price_euros_per_day")
    return f"sum by (meter) (\n  ({energy} * on(meter, register, index) {price})\n  or\n  ({subscription} * {days})\n)"


def current_tariff_name(register: str = "supplier") -> str:
    """The name of the index in use now.

    linky_tariff_current_index holds the index as a value; count_values turns it into
    an ``index`` label so it can select the matching linky_tariff_index_info series. If
    that index has no name yet, show ``index N``.
    """
    current = f'count_values by (meter, register) ("index", {sel("linky_tariff_current_index", register=register)})'
    info = sel("linky_tariff_index_info", register=register)
    return (
        f"{info} * on(meter, register, index) group_left() {current}\n"
        f'or on(meter, register)\nlabel_replace({current}, "name", "index $1", "index", "(.+)")'
    )


def stateset_code(metric: str, states: list[str], by: str = "meter", **labels: str) -> str:
    """A stateset as one number: the position of the state that is 1 in ``states``.

    Value mappings then turn the number back into a name and a colour; a stat panel
    cannot colour a series by a label value.
    """
    parts = [f'{sel(metric, **labels, **{metric: state})} * {code}' for code, state in enumerate(states) if code]
    return f"sum by ({by}) (\n  " + "\n  or ".join(parts) + "\n)"
