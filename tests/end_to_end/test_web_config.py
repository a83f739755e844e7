"""Every key of exporter-toolkit's web configuration: accepted and applied, or refused with one line."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from linky_exporter.grammar.durations import parse_go_duration
from linky_exporter.web.config import WebConfigError
from linky_exporter.web.server_config import load_web_config

from ..support.cli_run import assert_refused, run_cli
from ..support.tls_certs import make_certificates

HASH = "$2y$04$6nK1nDt0jJ5t3G3rkJ0Bsu4kz8VqQ0Ql2a3tG0xH0o5sYl8n0jY6e"  # any well-formed hash


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"))


def write(folder: Path, text: str) -> Path:
    path = folder / "web.yml"
    path.write_text(text)
    return path


def tls(certs, extra: str = "") -> str:
    return f"tls_server_config:\n  cert_file: {certs.path('server.crt')}\n  key_file: {certs.path('server.key')}\n{extra}"


GOOD = {
    "empty file": "",
    "empty basic_auth_users": "basic_auth_users:\n",
    "users": f"basic_auth_users:\n  alice: '{HASH}'\n  bob: '{HASH.replace('$2y$', '$2b$')}'\n",
    "http2 false": "http_server_config:\n  http2: false\n",
    "every header": (
        "http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n"
        "    X-Content-Type-Options: nosniff\n    X-Frame-Options: deny\n    X-XSS-Protection: '1; mode=block'\n"
        "    Content-Security-Policy: default-src 'self'\n"
    ),
    "blank header": "http_server_config:\n  headers:\n    X-Frame-Options: ''\n",
    "rate limit": "rate_limit:\n  interval: 1s\n  burst: 10\n",
    "rate limit off": "rate_limit:\n  interval: 0s\n  burst: 0\n",
}


@pytest.mark.parametrize("text", GOOD.values(), ids=GOOD.keys())
def test_accepted_without_tls(tmp_path, text):
    config = load_web_config(write(tmp_path, text))
    assert config.ssl_context is None


TLS_GOOD = {
    "plain": "",
    "versions": "  min_version: TLS12\n  max_version: TLS12\n",
    "tls13 only": "  min_version: TLS13\n",
    "ciphers": "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256]\n",
    "not server order": "  prefer_server_cipher_suites: false\n",
    "one curve": "  curve_preferences: [CurveP256]\n",
    "request client cert": "  client_auth_type: RequestClientCert\n",
    "verify if given": "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n",
    "require and verify": "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  client_allowed_sans: [prometheus.example]\n",
    "system CAs": "  client_auth_type: RequireAndVerifyClientCert\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("extra", TLS_GOOD.values(), ids=TLS_GOOD.keys())
def test_tls_keys_accepted(certs, extra):
    config = load_web_config(write(certs.folder, tls(certs, extra)))
    assert isinstance(config.ssl_context, ssl.SSLContext)


def test_tls_keys_are_applied(certs):
    context = load_web_config(write(certs.folder, tls(certs, (
        "  min_version: TLS12\n  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n"
        "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n  prefer_server_cipher_suites: false\n"
    )))).ssl_context
    assert context.minimum_version == context.maximum_version == ssl.TLSVersion.TLSv1_2
    assert [c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"] == ["ECDHE-RSA-AES256-GCM-SHA384"]
    assert context.verify_mode == ssl.CERT_OPTIONAL
    assert not context.options & ssl.OP_CIPHER_SERVER_PREFERENCE


def test_inline_certificate_and_key(certs, tmp_path):
    pem = Path(certs.path("server.crt")).read_text()
    key = Path(certs.path("server.key")).read_text()
    ca = Path(certs.path("ca.crt")).read_text()
    indent = lambda text: "\n".join("    " + line for line in text.splitlines())  # noqa: E731
    text = (f"tls_server_config:\n  cert: |\n{indent(pem)}\n  key: |\n{indent(key)}\n"
            f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca: |\n{indent(ca)}\n")
    context = load_web_config(write(tmp_path, text)).ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.cert_store_stats()["x509_ca"] == 1


BAD = {
    "unknown top key": ("tls_config: {}\n", "tls_config: unknown key"),
    "unknown tls key": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  ciphers: []\n", "tls_server_config.ciphers: unknown key"),
    "no key_file": ("tls_server_config:\n  cert_file: a\n", "key_file (or key) is missing"),
    "only min_version": ("tls_server_config:\n  min_version: TLS13\n", "cert_file (or cert) is missing"),
    "versions reversed": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
                          "min_version TLS13 is above max_version TLS12"),
    "bad version": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS14\n", "min_version: 'TLS14' is not one of"),
    "invented cipher": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_INVENTED]\n", "unknown cipher suite 'TLS_INVENTED'"),
    "invented curve": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [CurveP128]\n", "unknown curve 'CurveP128'"),
    "two curves": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [X25519, CurveP256]\n", "one curve only"),
    "require any": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n", "RequireAnyClientCert cannot be honoured"),
    "old require name": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n", "RequireClientCert cannot be honoured"),
    "CA without auth": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca.crt\n", "client_auth_type NoClientCert"),
    "sans without verify": ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n", "client_allowed_sans needs"),
    "cert twice": ("tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: c\n", "cert_file and cert are both given"),
    "http2": ("http_server_config:\n  http2: true\n", "http_server_config.http2: true cannot be honoured"),
    "other header": ("http_server_config:\n  headers:\n    Server: nginx\n", "header 'Server' cannot be set"),
    "bad frame option": ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", "X-Frame-Options must be one of deny, sameorigin"),
    "line break": ("http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n", "control character"),
    "plain password": ("basic_auth_users:\n  alice: s3cret\n", "'alice' is not a bcrypt hash"),
    "truncated hash": (f"basic_auth_users:\n  alice: '{HASH[:-1]}'\n", "not a bcrypt hash"),
    "bad cost": (f"basic_auth_users:\n  alice: '{HASH.replace('$04$', '$99$')}'\n", "not a bcrypt hash"),
    "users not a mapping": ("basic_auth_users: [alice]\n", "basic_auth_users"),
    "interval without unit": ("rate_limit:\n  interval: 5\n  burst: 1\n", "Go duration with its unit"),
    "burst 0": ("rate_limit:\n  interval: 1s\n", "burst must be at least 1"),
    "negative burst": ("rate_limit:\n  interval: 1s\n  burst: -1\n", "must be 0 or more"),
    "rate limit key": ("rate_limit:\n  every: 1s\n", "rate_limit.every: unknown key"),
}


@pytest.mark.parametrize(("text", "message"), BAD.values(), ids=BAD.keys())
def test_refused_with_the_key_named(tmp_path, text, message):
    with pytest.raises(WebConfigError, match=None) as refused:
        load_web_config(write(tmp_path, text))
    assert message in str(refused.value) and "\n" not in str(refused.value)


FILE_PROBLEMS = {
    "missing cert": ("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n", "cannot load cert_file / key_file"),
    "missing CA": ("tls_server_config:\n  cert_file: {crt}\n  key_file: {key}\n  client_auth_type: RequireAndVerifyClientCert\n"
                   "  client_ca_file: missing-ca.crt\n", "client_ca_file: cannot load "),
    "CA not a certificate": ("tls_server_config:\n  cert_file: {crt}\n  key_file: {key}\n  client_auth_type: RequireAndVerifyClientCert\n"
                             "  client_ca_file: web.yml\n", "client_ca_file: cannot load "),
}


@pytest.mark.parametrize(("text", "message"), FILE_PROBLEMS.values(), ids=FILE_PROBLEMS.keys())
def test_unusable_files_refused(certs, tmp_path, text, message):
    path = write(tmp_path, text.format(crt=certs.path("server.crt"), key=certs.path("server.key")))
    with pytest.raises(WebConfigError) as refused:
        load_web_config(path)
    assert message in str(refused.value)


def test_encrypted_key_refused_without_prompting(certs, tmp_path):
    import subprocess

    subprocess.run(["openssl", "pkey", "-in", certs.path("server.key"), "-aes256", "-passout", "pass:x", "-out", str(tmp_path / "enc.key")],
                   check=True, capture_output=True)
    path = write(tmp_path, f"tls_server_config:\n  cert_file: {certs.path('server.crt')}\n  key_file: enc.key\n")
    with pytest.raises(WebConfigError, match="encrypted"):
        load_web_config(path)


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1), ("250ms", 0.25), ("1m30s", 90), ("1.5h", 5400), ("0", 0), ("10us", 1e-5)])
def test_go_durations(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"basic_auth_users:\n  alice: '$2y$10$tooshort'\n", "'alice' is not a bcrypt hash"),
        (b"tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n", "min_version TLS13 is above"),
        (b"basic_auth_users:\n  \xff: x\n", "is not UTF-8 text"),
        (b"http_server_config:\n  http2: true\n", "http2: true cannot be honoured"),
    ],
)
def test_the_command_refuses_with_one_line(tmp_path, content, message):
    path = tmp_path / "web.yml"
    path.write_bytes(content)
    assert_refused(run_cli("--tic.source", "/dev/ttyUSB0", "--web.config.file", str(path)), message)
    assert_refused(run_cli("--check-config", "--tic.source", "/dev/ttyUSB0", "--web.config.file", str(path)), message, status=1)


@pytest.mark.slow
def test_a_web_config_that_is_a_directory_is_one_line(tmp_path):
    assert_refused(run_cli("--tic.source", "/dev/ttyUSB0", "--web.config.file", str(tmp_path)), "is a directory")
    assert_refused(run_cli("--tic.source", "/dev/ttyUSB0", "--web.config.file", str(tmp_path / "nope.yml")), "does not exist")


def test_allowed_sans_match_as_go_writes_them():
    from linky_exporter.web.tls import peer_has_allowed_san

    cert = {"subjectAltName": (("DNS", "prometheus.example"), ("IP Address", "2001:DB8:0:0:0:0:0:1\n"),
                               ("email", "ops@example.org"), ("URI", "spiffe://example.org/prometheus"))}
    for allowed in (["prometheus.example"], ["2001:db8::1"], ["ops@example.org"], ["spiffe://example.org/prometheus"]):
        assert peer_has_allowed_san(cert, allowed)
    assert not peer_has_allowed_san(cert, ["other.example", "PROMETHEUS.EXAMPLE"])
    assert not peer_has_allowed_san({}, ["prometheus.example"])


def test_x25519_is_set_or_refused_naming_the_key(certs):
    """Python 3.11.7 sets X25519; Debian's 3.11.2 can set EC curves only: refused there, never ignored."""
    try:
        context = load_web_config(write(certs.folder, tls(certs, "  curve_preferences: [X25519]\n"))).ssl_context
    except WebConfigError as refused:
        assert "curve_preferences: X25519 cannot be set by this Python's ssl" in str(refused)
    else:
        assert isinstance(context, ssl.SSLContext)
