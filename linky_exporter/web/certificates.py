"""The SSLContext for the next TLS handshake, rebuilt when its files change on disk.

exporter-toolkit reads the certificate again at every handshake, so a renewed
certificate is served without a restart; so here. The files of
``tls_server_config`` (cert_file, key_file, client_ca_file) are looked at once a
second at most, when a client connects; when one has changed (new content or a
new file behind the same path, as certbot's links do), a new context is built
and serves the next handshakes; connections already open keep theirs. A
rotation caught half-way (a new certificate with the old key, a file being
written) cannot be loaded: the previous context goes on serving, one warning
says why, and it is tried again once the files change again. Inline ``cert`` and
``key`` never change.
"""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Callable
from pathlib import Path

from .config import TlsServerConfig, WebConfigError
from .tls import build_ssl_context

log = logging.getLogger(__name__)

CHECK_EVERY_S = 1.0

Signature = tuple[tuple[int, int, int, int] | None, ...]


class ReloadingContext:
    def __init__(self, tls: TlsServerConfig, base: Path, clock: Callable[[], float] = time.monotonic):
        self._build = lambda: build_ssl_context(tls, base)
        self._files = [base / name for name in (tls.cert_file, tls.key_file, tls.client_ca_file) if name is not None]
        self._clock = clock
        self._signature = self._files_signature()
        self._refused: Signature | None = None
        self._checked_at = clock()
        self._context = self._build()  # WebConfigError at start: the exporter does not start

    def current(self) -> ssl.SSLContext:
        """The context for a handshake starting now."""
        now = self._clock()
        if self._files and now - self._checked_at >= CHECK_EVERY_S:
            self._checked_at = now
            self._reload_if_changed()
        return self._context

    def _reload_if_changed(self) -> None:
        signature = self._files_signature()
        if signature in (self._signature, self._refused):
            return
        try:
            self._context = self._build()
        except WebConfigError as error:
            self._refused = signature
            log.warning("%s; still serving the certificate loaded before", error)
            return
        self._signature, self._refused = signature, None
        log.info("TLS certificate files changed: loaded again (%s)", ", ".join(str(path) for path in self._files))

    def _files_signature(self) -> Signature:
        """What tells a changed file: its identity, size and time of change (None: missing)."""
        signature = []
        for path in self._files:
            try:
                stat = os.stat(path)
            except OSError:
                signature.append(None)
                continue
            signature.append((stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns))
        return tuple(signature)
