"""An SSLContext from ``tls_server_config``, with Go's meaning for every key it accepts.

What Python's ssl cannot do as Go does was refused by config.py already
(RequireAnyClientCert, several curves, HTTP/2); what is left is applied here,
and a value this OpenSSL cannot apply (a cipher suite it lacks) is refused too.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .config import CIPHER_SUITES, CURVES, TlsServerConfig, WebConfigError

_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
_PREFIX = "--web.config.file: tls_server_config"


def build_ssl_context(tls: TlsServerConfig, base: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _VERSIONS[tls.min_version]
    context.maximum_version = _VERSIONS[tls.max_version]
    _load_certificate(context, tls, base)
    _set_ciphers(context, tls)
    if tls.prefer_server_cipher_suites:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    if tls.curve_preferences:
        # One curve (config.py refuses a list): OpenSSL then offers that group alone, TLS 1.3 included.
        name = tls.curve_preferences[0]
        try:
            context.set_ecdh_curve(CURVES[name])
        except (ssl.SSLError, ValueError):  # some Pythons set EC curves only, not X25519
            raise WebConfigError(
                f"{_PREFIX}.curve_preferences: {name} cannot be set by this Python's ssl "
                f"(Python {sys.version.split()[0]}, {ssl.OPENSSL_VERSION}): choose CurveP256, CurveP384 or CurveP521"
            ) from None
    _client_auth(context, tls, base)
    context.set_alpn_protocols(["http/1.1"])
    return context


def _load_certificate(context: ssl.SSLContext, tls: TlsServerConfig, base: Path) -> None:
    what = "cert_file" if tls.cert_file is not None else "cert"
    what += " / " + ("key_file" if tls.key_file is not None else "key")
    try:
        with _pem_path(tls.cert_file, tls.cert, base) as cert, _pem_path(tls.key_file, tls.key, base) as key:
            context.load_cert_chain(cert, key, password=_no_password)
    except _EncryptedKey:
        raise WebConfigError(f"{_PREFIX}.key_file: the key is encrypted: give it unencrypted (readable by the exporter alone)") from None
    except (OSError, ssl.SSLError) as error:
        raise WebConfigError(f"{_PREFIX}: cannot load {what}: {_reason(error)}") from None


class _EncryptedKey(Exception):
    pass


def _no_password() -> str:
    raise _EncryptedKey  # OpenSSL would otherwise prompt on the terminal and block the start


def _set_ciphers(context: ssl.SSLContext, tls: TlsServerConfig) -> None:
    if not tls.cipher_suites:
        return
    wanted = [CIPHER_SUITES[name] for name in tls.cipher_suites]
    openssl_names = [name for name in wanted if name is not None]
    if not openssl_names:
        raise WebConfigError(
            f"{_PREFIX}.cipher_suites: lists only TLS 1.3 suites, which are not configurable (as in Go): "
            "add TLS 1.2 suites, or remove the key and set min_version: TLS13"
        )
    try:
        context.set_ciphers(":".join(openssl_names))
    except ssl.SSLError:
        raise WebConfigError(f"{_PREFIX}.cipher_suites: none of them is available in {ssl.OPENSSL_VERSION}") from None
    available = {cipher["name"] for cipher in context.get_ciphers()}
    for go_name, openssl_name in zip(tls.cipher_suites, wanted):
        if openssl_name is not None and openssl_name not in available:
            raise WebConfigError(f"{_PREFIX}.cipher_suites: {go_name} is not available in {ssl.OPENSSL_VERSION}")


def _client_auth(context: ssl.SSLContext, tls: TlsServerConfig, base: Path) -> None:
    # Go's RequestClientCert asks for a certificate and neither requires nor
    # checks it: nothing depends on it, so not asking accepts the same clients.
    mode = {
        "NoClientCert": ssl.CERT_NONE,
        "RequestClientCert": ssl.CERT_NONE,
        "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
        "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
    }[tls.client_auth_type]
    context.verify_mode = mode
    if mode == ssl.CERT_NONE:
        return
    try:
        if tls.client_ca_file is not None:
            context.load_verify_locations(cafile=base / tls.client_ca_file)
        elif tls.client_ca is not None:
            context.load_verify_locations(cadata=tls.client_ca)
        else:
            # Go verifies against the system's roots when no client CA is given.
            context.load_default_certs(ssl.Purpose.CLIENT_AUTH)
    except (OSError, ssl.SSLError, ValueError) as error:
        where = f"client_ca_file: cannot load {base / tls.client_ca_file}" if tls.client_ca_file is not None else "client_ca: cannot load it"
        raise WebConfigError(f"{_PREFIX}.{where}: {_reason(error)}") from None


@contextlib.contextmanager
def _pem_path(file: Path | None, inline: str | None, base: Path) -> Iterator[Path]:
    """A path OpenSSL can read: the file, or the inline PEM in a memory file (never on disk)."""
    if file is not None:
        yield base / file
        return
    data = (inline or "").encode()
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("linky-exporter-pem", os.MFD_CLOEXEC)
        try:
            os.write(fd, data)
            yield Path(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory() as folder:  # 0700
        path = Path(folder) / "pem"
        path.write_bytes(data)
        yield path


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return " ".join(str(error).split())


def peer_has_allowed_san(peercert: dict | None, allowed: list[str]) -> bool:
    """Go's client_allowed_sans: one of the client certificate's DNS, IP, e-mail or URI names is listed."""
    if not peercert:
        return False
    wanted = {_normal(value) for value in allowed}
    for kind, value in peercert.get("subjectAltName", ()):
        if kind in ("DNS", "email", "URI") and value in wanted:
            return True
        if kind == "IP Address" and _normal(value.strip()) in wanted:
            return True
    return False


def _normal(value: str) -> str:
    try:
        return ipaddress.ip_address(value).compressed  # 2001:DB8:0:0:0:0:0:1 as Go writes it: 2001:db8::1
    except ValueError:
        return value
