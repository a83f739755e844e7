"""Unit tests: one module of linky_exporter/ (or one helper) at a time, in this process.

The helpers they share are the modules of tests/support/, also used by benchmarks/."""
