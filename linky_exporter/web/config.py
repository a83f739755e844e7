"""``--web.config.file``: exporter-toolkit's web configuration, every key of it, checked at start.

The same file works for node_exporter. A key this exporter cannot honour is
refused with one line naming it, never ignored: a security setting that is
silently dropped is worse than a refusal. docs/web-config.md has the table of
keys and what each does here.

Relative paths are relative to the file's folder, as in exporter-toolkit.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..config.errors import describe_file_error
from ..grammar.durations import parse_go_duration

#: Go's names (crypto/tls CipherSuites()) -> OpenSSL's. TLS 1.3 suites are
#: accepted and, as in Go, not configurable: they map to None.
CIPHER_SUITES: dict[str, str | None] = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_AES_128_GCM_SHA256": None,
    "TLS_AES_256_GCM_SHA384": None,
    "TLS_CHACHA20_POLY1305_SHA256": None,
}
#: exporter-toolkit's curve names -> OpenSSL's.
CURVES = {"CurveP256": "prime256v1", "CurveP384": "secp384r1", "CurveP521": "secp521r1", "X25519": "X25519"}
TLS_VERSIONS = ("TLS10", "TLS11", "TLS12", "TLS13")
CLIENT_AUTH_TYPES = (
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "RequireClientCert",  # exporter-toolkit's old name of RequireAnyClientCert
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
)
#: The response headers exporter-toolkit lets a file set, with the values it allows (None: any).
ALLOWED_HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}
_BCRYPT_HASH = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")


class WebConfigError(Exception):
    """A web configuration that cannot be used, with a one-line message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsServerConfig(_Strict):
    cert_file: Path | None = None
    key_file: Path | None = None
    cert: str | None = None
    key: str | None = None
    client_auth_type: Literal[CLIENT_AUTH_TYPES] = "NoClientCert"  # type: ignore[valid-type]
    client_ca_file: Path | None = None
    client_ca: str | None = None
    cipher_suites: list[str] = []
    curve_preferences: list[str] = []
    min_version: Literal[TLS_VERSIONS] = "TLS12"  # type: ignore[valid-type]
    max_version: Literal[TLS_VERSIONS] = "TLS13"  # type: ignore[valid-type]
    prefer_server_cipher_suites: bool = True
    client_allowed_sans: list[str] | None = None

    @field_validator("cipher_suites")
    @classmethod
    def _ciphers(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in CIPHER_SUITES:
                raise ValueError(f"unknown cipher suite {name!r}: give Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        return names

    @field_validator("curve_preferences")
    @classmethod
    def _curves(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in CURVES:
                raise ValueError(f"unknown curve {name!r}: one of {', '.join(CURVES)}")
        if len(names) > 1:
            raise ValueError(
                "Python's ssl can restrict the handshake to one curve only, not a list in order: give one of "
                + ", ".join(CURVES)
            )
        return names

    @model_validator(mode="after")
    def _consistent(self) -> TlsServerConfig:
        if self.cert_file is None and self.cert is None:
            raise ValueError("cert_file (or cert) is missing: TLS needs a certificate")
        if self.key_file is None and self.key is None:
            raise ValueError("key_file (or key) is missing: TLS needs the certificate's key")
        for file_key, inline_key in (("cert_file", "cert"), ("key_file", "key"), ("client_ca_file", "client_ca")):
            if getattr(self, file_key) is not None and getattr(self, inline_key) is not None:
                raise ValueError(f"{file_key} and {inline_key} are both given: give one")
        if TLS_VERSIONS.index(self.min_version) > TLS_VERSIONS.index(self.max_version):
            raise ValueError(f"min_version {self.min_version} is above max_version {self.max_version}: no handshake could succeed")
        has_ca = self.client_ca_file is not None or self.client_ca is not None
        if has_ca and self.client_auth_type == "NoClientCert":
            raise ValueError("client_ca_file (or client_ca) is given with client_auth_type NoClientCert: set client_auth_type")
        if self.client_auth_type in ("RequireAnyClientCert", "RequireClientCert"):
            raise ValueError(
                f"client_auth_type {self.client_auth_type} cannot be honoured: Python's ssl cannot accept a client "
                "certificate without verifying it; use RequireAndVerifyClientCert with client_ca_file"
            )
        if self.client_allowed_sans is not None and self.client_auth_type != "RequireAndVerifyClientCert":
            raise ValueError("client_allowed_sans needs client_auth_type RequireAndVerifyClientCert (a certificate to check)")
        return self


class HttpServerConfig(_Strict):
    http2: bool = False
    headers: dict[str, str] = {}

    @field_validator("http2")
    @classmethod
    def _http1_only(cls, value: bool) -> bool:
        if value:
            raise ValueError("true cannot be honoured: this exporter serves HTTP/1.1 only; remove the key or set it to false")
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if name not in ALLOWED_HEADERS:
                raise ValueError(f"header {name!r} cannot be set (exporter-toolkit allows {', '.join(ALLOWED_HEADERS)})")
            allowed = ALLOWED_HEADERS[name]
            if allowed is not None and value and value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
                raise ValueError(f"the value of {name} holds a control character (a line break?)")
        return {name: value for name, value in headers.items() if value}  # blank: unset, as in exporter-toolkit


class RateLimitConfig(_Strict):
    interval: float = 0.0  # seconds between requests; 0: no limit
    burst: int = 0

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> float:
        return parse_go_duration(value)

    @field_validator("burst")
    @classmethod
    def _burst(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"must be 0 or more, not {value}")
        return value

    @model_validator(mode="after")
    def _useful(self) -> RateLimitConfig:
        if self.interval > 0 and self.burst < 1:
            raise ValueError("burst must be at least 1 when interval is set (0 would refuse every request)")
        return self


class WebConfigFile(_Strict):
    tls_server_config: TlsServerConfig | None = None
    http_server_config: HttpServerConfig = HttpServerConfig()
    rate_limit: RateLimitConfig = RateLimitConfig()
    basic_auth_users: dict[str, str] | None = None  # an empty key is "no users", as in Go

    @field_validator("basic_auth_users")
    @classmethod
    def _bcrypt_hashes(cls, users: dict[str, str] | None) -> dict[str, str]:
        for user, hashed in (users or {}).items():
            if not _BCRYPT_HASH.fullmatch(hashed):
                raise ValueError(
                    f"the password of {user!r} is not a bcrypt hash ($2y$10$ and 53 characters, "
                    "from htpasswd -nBC 10 \"\" | tr -d ':\\n'); never the password itself"
                )
        return users or {}

    @property
    def users(self) -> dict[str, str]:
        return self.basic_auth_users or {}


def load_web_config_file(path: Path) -> WebConfigFile:
    """The file, read with the limits of --config.file (size, depth, no aliases, UTF-8). Raises WebConfigError."""
    from ..config.yaml_file import ConfigFileError, read_yaml_mapping  # PyYAML only when there is a file

    try:
        raw = read_yaml_mapping(path)
    except ConfigFileError as error:
        raise WebConfigError(f"--web.config.file: {path} {error}") from None
    try:
        return WebConfigFile.model_validate(raw)
    except ValidationError as error:
        raise WebConfigError(f"--web.config.file: {path}: {describe_file_error(error, WebConfigFile)}") from None
