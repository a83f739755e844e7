"""What the server applies from ``--web.config.file``: the checked file turned into objects at start.

:mod:`.config` reads and checks the file; here its TLS section becomes a
context that follows certificate renewals (:mod:`.certificates`).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path

from .certificates import ReloadingContext
from .config import RateLimitConfig, load_web_config_file


@dataclass(frozen=True)
class WebConfig:
    """What the server applies: the file's keys, turned into objects at start."""

    tls: ReloadingContext | None = None
    users: dict[str, str] = field(default_factory=dict)  # user -> bcrypt hash
    headers: tuple[tuple[str, str], ...] = ()
    rate_limit: RateLimitConfig = RateLimitConfig()
    client_allowed_sans: tuple[str, ...] | None = None

    @property
    def ssl_context(self) -> ssl.SSLContext | None:
        """The context for a handshake starting now (certificates.py: rebuilt when its files change)."""
        return None if self.tls is None else self.tls.current()


def load_web_config(path: Path) -> WebConfig:
    """Read and check the file, build its SSLContext. Raises WebConfigError with one line."""
    config = load_web_config_file(path)
    tls = config.tls_server_config
    return WebConfig(
        tls=ReloadingContext(tls, path.parent) if tls is not None else None,
        users=config.users,
        headers=tuple(config.http_server_config.headers.items()),
        rate_limit=config.rate_limit,
        client_allowed_sans=tuple(tls.client_allowed_sans) if tls is not None and tls.client_allowed_sans is not None else None,
    )


