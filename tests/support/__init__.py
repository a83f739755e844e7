"""Helpers shared by the tests of tests/unit/ and tests/end_to_end/ and by benchmarks/.

Where the captures are (captures), the real command and the tools run as processes
(exporter_process, simulator_process, promtools, victoriametrics, cli_run, processes),
in-process feeds of the decoder and the meter state (fed_meter, simulated, golden_exposition),
the metric contract (metric_contract), the Grafana queries (grafana_queries, grafana_runner),
the check that a session leaves nothing in the temporary directory (temp_leftovers),
and the fuzzing and corruption campaigns (fuzzing, corruption_run). No test lives here:
a test module imports these, never another test module.
"""
