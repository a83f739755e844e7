"""Prometheus exporter for the Linky meter's customer output (TIC)."""

__version__ = "0.1.0"
