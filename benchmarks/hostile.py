"""The exporter against hostile clients: idle TLS clients, 4 000 idle connections, a wrong-password flood,
crowds from one address against a scraper from another (benchmarks/crowd.py), SIGTERM under load.

    python -m benchmarks.hostile [--quick] [--only crowds]

Each figure is printed with its target, never asserted. The exporter reads a
capture in a loop (the source does not matter here); TLS uses a throw-away
certificate made with the openssl command.
"""

from __future__ import annotations

import argparse
import base64
import resource
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.support.processes import free_port

from . import crowd
from .common import ROOT, cpu_seconds, machine, open_fds, percentile, rss_mb, start_exporter

CAPTURE = ROOT / "tests" / "fixtures" / "hist_mono_tempo_linky__pyteleinfo_captured_frames.tic"
SOURCE = f"file://{CAPTURE}?pace=fast&loop=1"
IDLE_COUNTS = (0, 1, 10, 100)


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


class Running:
    """The exporter on a free port, stopped on exit."""

    def __init__(self, *args: str, tls: bool = False):
        self.port = free_port()
        self.tls = tls
        self.process = start_exporter(self.port, "--tic.source", SOURCE, *args)
        self.context = ssl._create_unverified_context() if tls else None
        deadline = time.monotonic() + 30
        while True:
            try:
                self.scrape()
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the exporter did not start") from None
                time.sleep(0.05)

    def scrape(self, path: str = "/metrics", headers: str = "") -> tuple[int, float]:
        """One request on a new connection (handshake included): (status, seconds)."""
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as raw:
            sock = self.context.wrap_socket(raw, server_hostname="127.0.0.1") if self.context else raw
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            while len(body) < length and (chunk := sock.recv(65536)):  # as Prometheus reads: by Content-Length
                body += chunk
            elapsed = time.perf_counter() - started
        if not data.startswith(b"HTTP/1.1 ") or len(body) != length:
            raise ValueError(data[:40])
        return int(data.split()[1]), elapsed

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_certificate(folder: Path) -> Path:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-keyout", str(folder / "server.key"), "-out", str(folder / "server.crt")],
        check=True, capture_output=True,
    )
    config = folder / "web-tls.yml"
    config.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    return config


def idle_tls_latency(config: Path, scrapes: int) -> dict[int, tuple[float, float, int]]:
    """Scrape latency (p50, p99 in ms, errors) with N clients connected to the TLS port, sending nothing."""
    results = {}
    with Running("--web.config.file", str(config), tls=True) as exporter:
        for count in IDLE_COUNTS:
            idle = [socket.create_connection(("127.0.0.1", exporter.port)) for _ in range(count)]
            latencies, errors = [], 0
            for _ in range(scrapes):
                try:
                    latencies.append(exporter.scrape()[1])
                except (OSError, ValueError):
                    errors += 1
            for sock in idle:
                sock.close()
            results[count] = (percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, errors)
    return results


def plain_latency(scrapes: int) -> tuple[float, float, int]:
    """Plain scrape latency, a new connection each, nothing else connected: (p50, p99 in ms, errors)."""
    latencies, errors = [], 0
    with Running() as exporter:
        for _ in range(100):
            exporter.scrape()
        for _ in range(scrapes):
            try:
                latencies.append(exporter.scrape()[1])
            except (OSError, ValueError):
                errors += 1
    return percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, errors


def many_idle(count: int, config: Path | None = None) -> dict[str, float]:
    """Threads, fds and RSS of the exporter before, while and after ``count`` connections sit idle.

    Plain: connected, sending nothing. TLS (``config``): handshake done, then half a request.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 1024)), hard))
    figures: dict[str, float] = {}
    args = ("--web.config.file", str(config)) if config else ()
    with Running(*args, tls=config is not None) as exporter:
        pid = exporter.process.pid
        for _ in range(100):  # warm up: the first scrapes and connections allocate what every later one reuses
            exporter.scrape()
        time.sleep(1)
        figures["threads_before"], figures["fds_before"] = threads(pid), open_fds(pid)
        figures["rss_before"] = rss_mb(pid)[0]
        held = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", exporter.port), timeout=30)
            if exporter.context is not None:
                try:
                    sock = exporter.context.wrap_socket(sock, server_hostname="127.0.0.1")
                    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                except OSError:
                    pass  # pushed out by the cap before the handshake ended: still held by us
            held.append(sock)
        time.sleep(2)
        figures["threads_during"], figures["fds_during"] = threads(pid), open_fds(pid)
        figures["rss_during"], figures["rss_peak"] = rss_mb(pid)
        latencies = [exporter.scrape()[1] for _ in range(50)]
        figures["p99_during_ms"] = percentile(latencies, 0.99) * 1000
        for sock in held:
            sock.close()
        time.sleep(2)
        figures["threads_after"], figures["fds_after"] = threads(pid), open_fds(pid)
        figures["rss_after"] = rss_mb(pid)[0]
    return figures


def password_flood(folder: Path, seconds: float, clients: int = 8) -> dict[str, float]:
    """CPU of the exporter while ``clients`` send wrong passwords back to back, and a good scraper's latency."""
    import bcrypt

    config = folder / "web-auth.yml"
    hashed = bcrypt.hashpw(b"right", bcrypt.gensalt(10)).decode()
    config.write_text(f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    good = "Authorization: Basic " + base64.b64encode(b"prometheus:right").decode() + "\r\n"
    figures: dict[str, float] = {}
    with Running("--web.config.file", str(config)) as exporter:
        exporter.scrape(headers=good)
        for name, distinct in (("distinct", True), ("same", False)):
            stop = threading.Event()
            sent = [0]

            def flood(index: int) -> None:
                n = 0
                while not stop.is_set():
                    password = f"wrong-{index}-{n}" if distinct else "wrong"
                    n += 1
                    header = "Authorization: Basic " + base64.b64encode(f"prometheus:{password}".encode()).decode() + "\r\n"
                    try:
                        exporter.scrape(headers=header)
                        sent[0] += 1
                    except (OSError, ValueError):
                        pass

            workers = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(clients)]
            for worker in workers:
                worker.start()
            time.sleep(1)
            cpu0, t0 = cpu_seconds(exporter.process.pid), time.monotonic()
            latencies = []
            while time.monotonic() - t0 < seconds:
                latencies.append(exporter.scrape(headers=good)[1])
                time.sleep(0.25)
            figures[f"{name}_cpu"] = (cpu_seconds(exporter.process.pid) - cpu0) / (time.monotonic() - t0)
            figures[f"{name}_rate"] = sent[0] / (time.monotonic() - t0 + 1)
            figures[f"{name}_good_p99_ms"] = percentile(latencies, 0.99) * 1000
            stop.set()
            for worker in workers:
                worker.join(30)
    return figures


def refusal_times(checks: int) -> dict[str, float]:
    """How long a wrong password takes to refuse (median ms, the rest after a failure included), by user:
    one whose hash costs 4, one whose hash costs 10, one that does not exist. Timing must not tell them apart."""
    import statistics

    import bcrypt

    from linky_exporter.web.auth import BasicAuth

    auth = BasicAuth({"cheap": bcrypt.hashpw(b"a", bcrypt.gensalt(4)).decode(), "dear": bcrypt.hashpw(b"b", bcrypt.gensalt(10)).decode()})
    times: dict[str, list[float]] = {"cheap": [], "dear": [], "nobody": []}
    for n in range(checks):
        for user, spent in times.items():  # interleaved: a change of load weighs on all three alike
            started = time.perf_counter()
            auth.verify(user.encode(), f"wrong-{n}".encode())
            spent.append((time.perf_counter() - started) * 1000)
    return {user: statistics.median(spent) for user, spent in times.items()}


CROWDS = (
    # (key, what, TLS, basic auth, slowloris, guessers, pipeliners)
    ("guessers", "64 keep-alive clients sending wrong passwords", False, True, 0, 64, 0),
    ("slowloris", "600 slowloris clients", False, True, 600, 0, 0),
    ("both", "600 slowloris + 64 wrong-password clients", False, True, 600, 64, 0),
    ("both_tls", "600 slowloris + 64 wrong-password clients, TLS", True, True, 600, 64, 0),
    ("pipeliners", "64 clients pipelining, never reading", False, False, 0, 0, 64),
)


def crowds(folder: Path, seconds: float) -> dict[str, dict[str, float]]:
    """Each crowd from 127.0.0.1 at the default --web.max-connections (64); a scraper from 127.0.0.2
    with the right password (checked once before the crowd comes, then cached)."""
    import bcrypt

    hashed = bcrypt.hashpw(b"right", bcrypt.gensalt(10)).decode()
    tls_lines = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
    good = "Authorization: " + crowd.basic("prometheus", "right") + "\r\n"
    results = {}
    for key, _, tls, auth, slowloris, guessers, pipeliners in CROWDS:
        config = folder / f"web-crowd-{key}.yml"
        config.write_text((tls_lines if tls else "") + (f"basic_auth_users:\n  prometheus: '{hashed}'\n" if auth else ""))
        args = ("--web.config.file", str(config)) if tls or auth else ()
        with Running(*args, tls=tls) as exporter:
            headers = good if auth else ""
            crowd.scrape_from(crowd.SCRAPER_ADDRESS, exporter.port, exporter.context, headers)  # the password, cached
            results[key] = crowd.scenario(exporter.port, exporter.process.pid, seconds, tls=tls, headers=headers,
                                          slowloris=slowloris, guessers=guessers, pipeliners=pipeliners)
    return results


def sigterm_under_load(rounds: int, clients: int = 8) -> dict[str, float]:
    """Time from SIGTERM to exit while ``clients`` scrape back to back, and requests cut (sent, never answered whole)."""
    exit_times, cut, answered, codes = [], 0, 0, set()
    for _ in range(rounds):
        exporter = Running()
        stop = threading.Event()
        tally = {"ok": 0, "cut": 0}
        lock = threading.Lock()

        def scraper() -> None:
            while not stop.is_set():
                try:
                    raw = socket.create_connection(("127.0.0.1", exporter.port), timeout=30)
                except OSError:
                    return  # refused: the exporter stopped accepting
                try:
                    raw.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := raw.recv(65536):
                        data += chunk
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    outcome = "ok" if data.startswith(b"HTTP/1.1 200") and len(body) == length else "cut"
                except (OSError, IndexError, ValueError):
                    outcome = "cut"
                finally:
                    raw.close()
                with lock:
                    tally[outcome] += 1

        workers = [threading.Thread(target=scraper, daemon=True) for _ in range(clients)]
        for worker in workers:
            worker.start()
        time.sleep(2)
        started = time.monotonic()
        exporter.process.send_signal(signal.SIGTERM)
        codes.add(exporter.process.wait(30))
        exit_times.append(time.monotonic() - started)
        stop.set()
        for worker in workers:
            worker.join(30)
        cut += tally["cut"]
        answered += tally["ok"]
    return {"exit_max_s": max(exit_times), "exit_p50_s": percentile(exit_times, 0.5), "cut": cut,
            "answered": answered, "rounds": rounds, "exit_codes": ",".join(map(str, sorted(codes)))}


def measure(quick: bool = False, only: str | None = None) -> dict[str, object]:
    parts = {
        "plain": lambda folder, config: plain_latency(500 if quick else 3000),
        "idle_tls": lambda folder, config: idle_tls_latency(config, 50 if quick else 200),
        "many_idle": lambda folder, config: many_idle(4000),
        "many_tls": lambda folder, config: many_idle(500, config),
        "flood": lambda folder, config: password_flood(folder, 5 if quick else 15),
        "timing": lambda folder, config: refusal_times(5 if quick else 20),
        "crowds": lambda folder, config: crowds(folder, 8 if quick else 30),
        "sigterm": lambda folder, config: sigterm_under_load(3 if quick else 10),
    }
    with tempfile.TemporaryDirectory() as folder:
        config = make_certificate(Path(folder))
        return {key: part(Path(folder), config) for key, part in parts.items() if only in (None, key)}


def rows(f: dict) -> list[tuple[str, str, str, str]]:
    cmd = "python -m benchmarks.hostile"
    out = []
    if pl := f.get("plain"):
        out.append(("plain scrape (new connection), nothing else connected", f"p50 {pl[0]:.2f} ms, p99 {pl[1]:.2f} ms, {pl[2]} errors", "-", cmd + " --only plain"))
    for count, (p50, p99, errors) in f.get("idle_tls", {}).items():
        out.append((f"TLS scrape, {count} idle client(s) on the port", f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {errors} errors", "p99 < 50 ms", cmd))
    for key, what in (("many_idle", "4000 idle plain connections"), ("many_tls", "500 TLS connections, half a request")):
        if key not in f:
            continue
        m = f[key]
        out.append((f"{what}: threads", f"{m['threads_before']:.0f} -> {m['threads_during']:.0f} -> {m['threads_after']:.0f}", "bounded", cmd))
        out.append((f"{what}: fds", f"{m['fds_before']:.0f} -> {m['fds_during']:.0f} -> {m['fds_after']:.0f}", "<= cap + ~10", cmd))
        out.append((f"{what}: RSS", f"{m['rss_before']:.1f} -> {m['rss_during']:.1f} -> {m['rss_after']:.1f} MB", "growth <= 10 MB", cmd))
        out.append((f"{what}: scrape p99", f"{m['p99_during_ms']:.1f} ms", "< 50 ms", cmd))
    if fl := f.get("flood"):
        out.append(("wrong-password flood, 8 clients, new passwords", f"{fl['distinct_cpu']:.0%} of a core ({fl['distinct_rate']:.0f} req/s), good scrape p99 {fl['distinct_good_p99_ms']:.0f} ms", "<= 1 core", cmd))
        out.append(("wrong-password flood, 8 clients, same password", f"{fl['same_cpu']:.0%} of a core ({fl['same_rate']:.0f} req/s), good scrape p99 {fl['same_good_p99_ms']:.0f} ms", "<= 1 core", cmd))
    if tm := f.get("timing"):
        out.append(("wrong password refused, by user: cost-4 hash / cost-10 hash / unknown",
                    f"{tm['cheap']:.1f} / {tm['dear']:.1f} / {tm['nobody']:.1f} ms (median)", "the same", cmd + " --only timing"))
    for key, what, *_ in CROWDS if "crowds" in f else ():
        c = f["crowds"][key]
        out.append((f"scraper from 127.0.0.2 vs {what}",
                     f"{c['under_1s']} of {c['scrapes']} answered in < 1 s ({c['answered']} answered), p50 {c['p50_ms']:.0f} ms, "
                     f"p99 {c['p99_ms']:.0f} ms, max {c['max_ms']:.0f} ms; RSS {c['rss_start']:.1f} -> {c['rss_end']:.1f} MB "
                     f"(peak {c['rss_peak']:.1f}); crowd: {c['crowd']}", "100 % in < 1 s", cmd + " --only crowds"))
    if s := f.get("sigterm"):
        out.append(("SIGTERM under load (8 scrapers)", f"exit {s['exit_codes']} in {s['exit_p50_s']:.2f} s (max {s['exit_max_s']:.2f} s), {s['cut']} of {s['answered'] + s['cut']} cut, {s['rounds']} rounds", "<= 5 s, 0 cut", cmd))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("plain", "idle_tls", "many_idle", "many_tls", "flood", "timing", "crowds", "sigterm"))
    args = parser.parse_args()
    table = rows(measure(args.quick, args.only))
    print(f"machine: {machine()}")
    width = max(len(r[0]) for r in table)
    for name, value, target, _ in table:
        print(f"{name:{width}s}  {value}  (target: {target or '-'})")


if __name__ == "__main__":
    main()
