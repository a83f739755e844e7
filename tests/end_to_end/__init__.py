"""End-to-end tests: the real command and the real Prometheus, Alertmanager, VictoriaMetrics,
promtool, systemd and docker-compose, as processes on 127.0.0.1.

The helpers they share are the modules of tests/support/, also used by benchmarks/."""
