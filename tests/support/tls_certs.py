"""Real certificates for TLS tests, made with the openssl command: a CA, a server, clients."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    folder: Path

    def path(self, name: str) -> str:
        return str(self.folder / name)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=cwd)


def _signed(folder: Path, name: str, subject: str, san: str, ca: str = "ca") -> None:
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)
    (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=folder)


def make_certificates(folder: Path) -> Certificates:
    """ca.crt signs server.crt (127.0.0.1), client.crt (DNS:prometheus.example) and other-client.crt
    (DNS:intruder.example); stranger.crt is a self-signed client certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=folder)
    _signed(folder, "server", "/CN=127.0.0.1", "IP:127.0.0.1")
    _signed(folder, "client", "/CN=prometheus", "DNS:prometheus.example,IP:::1")
    _signed(folder, "other-client", "/CN=intruder", "DNS:intruder.example")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stranger",
             "-addext", "subjectAltName=DNS:prometheus.example", "-keyout", "stranger.key", "-out", "stranger.crt", cwd=folder)
    return Certificates(folder)


def renew_server_certificate(certs: Certificates, name: str) -> tuple[Path, Path]:
    """Another certificate for 127.0.0.1 signed by ca.crt, as a renewal gives: (NAME.crt, NAME.key)."""
    _signed(certs.folder, name, f"/CN=127.0.0.1 {name}", "IP:127.0.0.1")
    return certs.folder / f"{name}.crt", certs.folder / f"{name}.key"
