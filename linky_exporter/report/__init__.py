"""``linky-exporter report``: what the meter's history in Prometheus says about cost, contracts and power.

Small modules, one job each, lowest first: local time and schedules (``localtime``,
``schedules``), Tempo and EJP calendars (``calendars``, and ``rte`` which fetches Tempo
colours), prices (``prices``), the contracts and their pricing (``contracts``), the
consumption ledger at the schedule's resolution (``ledger``) with its data gaps
(``gaps``), the subscribed-power headroom (``headroom``); the Prometheus HTTP API
client (``prometheus_api``) and what is asked of it for one meter (``history``); the
report assembled from them (``build``) and its output formats (``text``, ``json_format``,
``enedis_csv``). Everything but the two HTTP clients is pure computation on values.
docs/report.md says what each figure means.
"""
