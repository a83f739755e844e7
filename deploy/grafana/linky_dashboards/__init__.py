"""The Grafana dashboards of linky-exporter, written as Python and rendered to JSON.

``python -m linky_dashboards`` (see ``scripts/generate-grafana-dashboards``) writes
``deploy/grafana/dashboards/*.json``, the files Grafana provisions. Like the
monitoring-mixins' jsonnet, the code keeps every panel consistent (one datasource
reference, one meter matcher, one unit vocabulary); the JSON is committed so that a
user needs nothing but Grafana, and a test holds the two together.
"""
