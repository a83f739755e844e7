"""deploy/docker-compose.yml and the Dockerfile, checked without a Docker engine.

PyYAML reads the compose file: mounted paths exist in the repository, the TIC device
is passed through, ports and service names line up with the Prometheus and Grafana
configuration. `docker-compose config` (Debian's docker-compose, which validates
against the Compose schema without an engine) and `promtool check config` run too.
On a developer's machine without those tools, or before deploy/prometheus/ is there,
the tests that need them skip; in CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ..support.grafana_queries import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
PROMETHEUS_CONFIG = DEPLOY / "compose" / "prometheus.yml"
DOCKERFILE = ROOT / "Dockerfile"
SERVICES = {"linky-exporter", "prometheus", "alertmanager", "grafana"}


def missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must have it)")
    pytest.skip(message)


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (scripts/test installs it)")
    return path


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def bind_mounts(service: dict) -> dict[str, Path]:
    """container path -> host path, for mounts of files of the repository (not named volumes)."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts[target] = (DEPLOY / source).resolve()
    return mounts


def test_services(compose):
    assert set(compose["services"]) == SERVICES
    for name, service in compose["services"].items():
        assert service.get("restart") == "unless-stopped", name
        assert "image" in service, name


def test_repository_mounts_exist(compose):
    from_prometheus_branch = []
    for name, service in compose["services"].items():
        for target, source in bind_mounts(service).items():
            if source.is_relative_to(DEPLOY / "prometheus") and not (DEPLOY / "prometheus").exists():
                from_prometheus_branch.append(f"{name}: {source.relative_to(ROOT)}")
                continue
            assert source.exists(), f"{name} mounts {source} at {target}, which does not exist"
    if from_prometheus_branch:
        missing("deploy/prometheus/ is not in this checkout yet: " + ", ".join(from_prometheus_branch))


def test_exporter_gets_the_serial_device_and_its_port(compose):
    exporter = compose["services"]["linky-exporter"]
    (device,) = exporter["devices"]
    host, container = device.rsplit(":", 1)
    assert re.fullmatch(r"\$\{LINKY_TIC_DEVICE:-/dev/(serial0|ttyUSB0)\}", host)
    assert "dialout" in exporter["group_add"]
    assert exporter["environment"]["LINKY_EXPORTER_TIC__SOURCE"].endswith("=${LINKY_TIC_URL:-" + container + "}")
    assert "9798:9798" in exporter["ports"]
    build = exporter["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_prometheus_scrapes_the_exporter_and_alerts_alertmanager(compose):
    prometheus = compose["services"]["prometheus"]
    mounts = bind_mounts(prometheus)
    assert mounts["/etc/prometheus/prometheus.yml"] == PROMETHEUS_CONFIG
    assert mounts["/etc/prometheus/rules"] == DEPLOY / "prometheus" / "rules"
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    (job,) = config["scrape_configs"]
    assert job["static_configs"][0]["targets"] == ["linky-exporter:9798"]
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]
    assert all(path.startswith("/etc/prometheus/rules/") for path in config["rule_files"])
    alertmanager = compose["services"]["alertmanager"]
    assert bind_mounts(alertmanager)["/etc/alertmanager/alertmanager.yml"] == DEPLOY / "prometheus" / "alertmanager.yml"
    assert "--config.file=/etc/alertmanager/alertmanager.yml" in alertmanager["command"]


def test_grafana_reaches_prometheus_by_service_name(compose):
    grafana = compose["services"]["grafana"]
    assert grafana["environment"]["LINKY_PROMETHEUS_URL"] == "${LINKY_PROMETHEUS_URL:-http://prometheus:9090}"
    assert "3000:3000" in grafana["ports"]


def test_promtool_accepts_the_compose_prometheus_config(tmp_path):
    """The config with its container paths mapped onto the repository: the rule files load too."""
    promtool = tool("promtool")
    rules = DEPLOY / "prometheus" / "rules"
    if not rules.is_dir():
        missing("deploy/prometheus/rules/ is not in this checkout yet")
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["rule_files"] = [str(rules) + path.removeprefix("/etc/prometheus/rules") for path in config["rule_files"]]
    assert any(Path(rules).glob(Path(config["rule_files"][0]).name)), "the rule_files glob matches no rule file"
    local = tmp_path / "prometheus.yml"
    local.write_text(yaml.safe_dump(config))
    result = subprocess.run([promtool, "check", "config", str(local)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_docker_compose_config_validates():
    docker_compose = tool("docker-compose")
    env = {**os.environ, "LINKY_TIC_DEVICE": "/dev/ttyUSB0", "LINKY_METER_NAME": "home"}
    result = subprocess.run([docker_compose, "--file", str(COMPOSE), "config"], capture_output=True, text=True,
                            timeout=60, env=env, cwd=DEPLOY)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    exporter = resolved["services"]["linky-exporter"]
    assert exporter["devices"] == ["/dev/ttyUSB0:/dev/ttyTIC"]
    assert exporter["environment"]["LINKY_EXPORTER_TIC__SOURCE"] == "home=/dev/ttyTIC"
    assert resolved["services"]["grafana"]["environment"]["LINKY_PROMETHEUS_URL"] == "http://prometheus:9090"


def test_the_demo_env_file_runs_the_stack_on_the_simulated_meter():
    # One documented command, no meter: the exporter reads serve's own demo source.
    from linky_exporter.commands.serve import DEMO_SOURCE

    docker_compose = tool("docker-compose")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKY_")}
    result = subprocess.run([docker_compose, "--env-file", str(DEPLOY / "demo.env"), "--file", str(COMPOSE), "config"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=DEPLOY)
    assert result.returncode == 0, result.stderr
    exporter = yaml.safe_load(result.stdout)["services"]["linky-exporter"]
    assert exporter["environment"]["LINKY_EXPORTER_TIC__SOURCE"] == DEMO_SOURCE
    assert exporter["devices"] == ["/dev/null:/dev/ttyTIC"]  # a device every host has
    assert "docker compose --env-file demo.env up -d" in COMPOSE.read_text()


def test_dockerfile():
    text = DOCKERFILE.read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith("#")]
    by_name = {}
    for name, args in instructions:
        by_name.setdefault(name, []).append(args)
    assert by_name["FROM"] == ["python:3.11-slim"]
    for args in by_name["COPY"]:
        *sources, _ = args.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert any("pip install" in run for run in by_name["RUN"])
    assert any(re.search(r"useradd .*--groups dialout", run) for run in by_name["RUN"])
    (user,) = by_name["USER"]
    assert user != "root"
    assert by_name["EXPOSE"] == ["9798"]
    assert by_name["ENTRYPOINT"] == ['["linky-exporter"]']
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "linky_exporter" not in ignored and "pyproject.toml" not in ignored
