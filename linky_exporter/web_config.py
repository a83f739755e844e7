"""``--web.config.file``: TLS and basic authentication, in the Prometheus exporter-toolkit format.

The same file works for node_exporter::

    tls_server_config:
      cert_file: server.crt
      key_file: server.key
      client_auth_type: RequireAndVerifyClientCert   # optional, with client_ca_file
      client_ca_file: ca.crt
      min_version: TLS12                             # optional
    basic_auth_users:
      alice: $2y$10$...                              # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':')

Relative paths are relative to the file's folder, as in exporter-toolkit.
"""

from __future__ import annotations

import hashlib
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "RequestClientCert": ssl.CERT_OPTIONAL,
    "RequireAnyClientCert": ssl.CERT_REQUIRED,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}


class WebConfigError(Exception):
    """A bad web configuration file, with a one-line message."""


class _TlsServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cert_file: Path
    key_file: Path
    client_auth_type: Literal[tuple(_CLIENT_AUTH)] = "NoClientCert"  # type: ignore[valid-type]
    client_ca_file: Path | None = None
    min_version: Literal[tuple(_TLS_VERSIONS)] = "TLS12"  # type: ignore[valid-type]
    max_version: Literal[tuple(_TLS_VERSIONS)] | None = None  # type: ignore[valid-type]


class _WebConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tls_server_config: _TlsServerConfig | None = None
    basic_auth_users: dict[str, str] = {}

    @field_validator("basic_auth_users")
    @classmethod
    def _bcrypt_hashes(cls, users: dict[str, str]) -> dict[str, str]:
        for user, hashed in users.items():
            if not hashed.startswith(("$2a$", "$2b$", "$2y$")) or len(hashed) != 60:
                raise ValueError(f"the password of {user!r} must be a bcrypt hash ($2y$...), not the password itself")
        return users


@dataclass(frozen=True)
class WebConfig:
    ssl_context: ssl.SSLContext | None = None
    users: dict[str, bytes] = field(default_factory=dict)  # user -> bcrypt hash
    # bcrypt costs tens of milliseconds by design; Prometheus sends the same
    # credentials every scrape, so good ones are remembered (as exporter-toolkit does).
    _verified: dict[tuple[str, bytes], bool] = field(default_factory=dict, repr=False)

    def check_password(self, user: str, password: str) -> bool:
        import bcrypt

        key = (user, hashlib.sha256(password.encode()).digest())
        if key in self._verified:
            return True
        hashed = self.users.get(user)
        if hashed is None:
            # Same cost for an unknown user, so timing does not tell which users exist.
            bcrypt.checkpw(b"", _DUMMY_HASH)
            return False
        if not bcrypt.checkpw(password.encode(), hashed):
            return False
        if len(self._verified) >= 64:
            self._verified.clear()
        self._verified[key] = True
        return True


_DUMMY_HASH = b"$2b$10$jKcP6Ilv3vurXq8nYjQA9OqzRRR40rEqDYadw95Lc4kFPdTslfK.y"  # bcrypt of ""


def load_web_config(path: Path) -> WebConfig:
    try:
        raw: Any = yaml.safe_load(path.read_text())
    except OSError as error:
        raise WebConfigError(f"--web.config.file: cannot read {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        raise WebConfigError(f"--web.config.file: {path} is not valid YAML: {' '.join(str(error).split())}") from None
    try:
        config = _WebConfigFile.model_validate(raw or {})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WebConfigError(f"--web.config.file: {where}: {first['msg'].removeprefix('Value error, ')}") from None
    return WebConfig(
        ssl_context=_ssl_context(config.tls_server_config, path.parent) if config.tls_server_config else None,
        users={user: hashed.replace("$2y$", "$2b$", 1).encode() for user, hashed in config.basic_auth_users.items()},
    )


def _ssl_context(tls: _TlsServerConfig, base: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _TLS_VERSIONS[tls.min_version]
    if tls.max_version:
        context.maximum_version = _TLS_VERSIONS[tls.max_version]
    cert, key = base / tls.cert_file, base / tls.key_file
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise WebConfigError(f"--web.config.file: cannot load cert_file {cert} / key_file {key}: {error}") from None
    context.verify_mode = _CLIENT_AUTH[tls.client_auth_type]
    if tls.client_ca_file is not None:
        try:
            context.load_verify_locations(base / tls.client_ca_file)
        except (OSError, ssl.SSLError) as error:
            raise WebConfigError(f"--web.config.file: cannot load client_ca_file: {error}") from None
    elif tls.client_auth_type in ("RequireAndVerifyClientCert", "VerifyClientCertIfGiven"):
        raise WebConfigError(f"--web.config.file: client_auth_type {tls.client_auth_type} needs client_ca_file")
    return context
