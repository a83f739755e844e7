"""TLS and basic authentication from --web.config.file (exporter-toolkit format), on the real process."""

from __future__ import annotations

import base64
import ssl
import subprocess
import urllib.error
import urllib.request

import bcrypt
import pytest

from ..support.captures import fixture_path
from ..support.cli_run import run_cli
from ..support.exporter_process import Exporter

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "server.key"), "-out", str(folder / "server.crt")],
        check=True, capture_output=True,
    )
    return folder


def web_config(folder, tls: bool, users: dict[str, str]) -> str:
    lines = []
    if tls:
        lines += ["tls_server_config:", "  cert_file: server.crt", "  key_file: server.key"]
    if users:
        lines.append("basic_auth_users:")
        for user, password in users.items():
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$")
            lines.append(f"  {user}: '{hashed}'")
    path = folder / ("web-tls.yml" if tls else "web-auth.yml")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def auth(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.mark.slow
def test_tls_with_basic_auth_refuses_a_wrong_password(certificate):
    config = web_config(certificate, tls=True, users={"prometheus": "s3cret"})
    context = ssl.create_default_context(cafile=str(certificate / "server.crt"))
    with Exporter("--tic.source", CAPTURE, "--web.config.file", config, scheme="https") as exporter:
        assert exporter.get("/metrics", context=context)[0] == 401
        assert exporter.get("/metrics", headers=auth("prometheus", "wrong"), context=context)[0] == 401
        assert exporter.get("/metrics", headers=auth("nobody", "s3cret"), context=context)[0] == 401
        status, body = exporter.get("/metrics", headers=auth("prometheus", "s3cret"), context=context)
        assert status == 200 and "linky_exporter_build_info" in body
        # Plain HTTP on the TLS port gets nothing.
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(f"http://127.0.0.1:{exporter.port}/metrics", timeout=5).read()


def test_basic_auth_without_tls(certificate):
    config = web_config(certificate, tls=False, users={"alice": "pw"})
    with Exporter("--tic.source", CAPTURE, "--web.config.file", config) as exporter:
        status, _ = exporter.get("/")
        assert status == 401
        assert exporter.get("/", headers=auth("alice", "pw"))[0] == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("basic_auth_users:\n  alice: plaintext\n", "bcrypt hash"),
        ("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n", "cannot load"),
        ("tls_server_config:\n  cert_file: a\n", "key_file"),
        ("unknown_section: 1\n", "unknown_section"),
    ],
)
def test_bad_web_config_files_exit_2(tmp_path, content, message):
    path = tmp_path / "web.yml"
    path.write_text(content)
    result = run_cli("--tic.source", "/dev/ttyUSB0", "--web.config.file", str(path))
    assert result.returncode == 2
    assert message in result.stderr and "--web.config.file" in result.stderr
