"""Basic authentication as exporter-toolkit does it: cached, serialised, no user enumeration, never a 500."""

from __future__ import annotations

import base64
import re
import threading
import time

import bcrypt
import pytest

from linky_exporter.web import auth as auth_module
from linky_exporter.web.auth import BasicAuth, parse_basic_authorization

from ..support.captures import fixture_path
from ..support.exporter_process import Exporter

CAPTURE = f"file://{fixture_path('hist_mono_tempo_linky__pyteleinfo_captured_frames.tic')}?pace=fast"


def hashed(password: str, cost: int = 4) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode().replace("$2b$", "$2y$")


def basic(user: str | bytes, password: str | bytes) -> dict[str, str]:
    raw = (user if isinstance(user, bytes) else user.encode()) + b":" + (password if isinstance(password, bytes) else password.encode())
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def counted_bcrypt(monkeypatch):
    """bcrypt.checkpw, counting calls, the hashes checked and the largest number running at once."""
    real = bcrypt.checkpw
    calls: list[bytes] = []
    running = [0, 0]  # now, most
    lock = threading.Lock()

    def checkpw(password: bytes, hashed_password: bytes) -> bool:
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
            calls.append(hashed_password)
        try:
            time.sleep(0.01)
            return real(password, hashed_password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(bcrypt, "checkpw", checkpw)
    return calls, running


def test_results_are_cached_success_and_failure(counted_bcrypt):
    calls, _ = counted_bcrypt
    auth = BasicAuth({"alice": hashed("pw")})
    assert auth.cached(b"alice", b"pw") is None
    assert auth.verify(b"alice", b"pw") is True
    assert auth.verify(b"alice", b"wrong") is False
    assert auth.cached(b"alice", b"pw") is True and auth.cached(b"alice", b"wrong") is False
    assert len(calls) == 2


def cost(hashed_password: bytes) -> int:
    return int(hashed_password[4:6])


def test_an_unknown_user_costs_a_dummy_hash_of_the_costliest_configured(counted_bcrypt):
    calls, _ = counted_bcrypt
    alice, bob = hashed("pw", cost=6), hashed("x", cost=4)
    auth = BasicAuth({"bob": bob, "alice": alice})
    assert auth.verify(b"mallory", b"pw") is False  # alice's password, unknown user: refused
    configured = {alice.replace("$2y$", "$2b$").encode(), bob.replace("$2y$", "$2b$").encode()}
    assert len(calls) == 1 and cost(calls[0]) == 6 and calls[0] not in configured


def test_every_refusal_costs_the_bcrypt_work_of_the_costliest_hash(counted_bcrypt):
    calls, _ = counted_bcrypt
    bob = hashed("x", cost=4).replace("$2y$", "$2b$").encode()
    auth = BasicAuth({"bob": bob.decode(), "alice": hashed("pw", cost=7)})
    for user, password in ((b"bob", b"wrong"), (b"alice", b"wrong"), (b"nobody", b"x"), (b"bob", b"x" * 100)):
        calls.clear()
        assert auth.verify(user, password) is False
        assert sum(2 ** cost(hashed_password) for hashed_password in calls) == 2**7, (user, [cost(h) for h in calls])
    calls.clear()
    assert auth.verify(b"bob", b"wrong again") is False
    assert calls[0] == bob and [cost(h) for h in calls[1:]] == [4, 5, 6]  # bob's hash, then dummies up to alice's cost
    calls.clear()
    assert auth.verify(b"bob", b"x") is True
    assert calls == [bob]  # a right password costs its own hash only


def test_passwords_longer_than_72_bytes_are_refused_at_the_same_cost(counted_bcrypt):
    calls, _ = counted_bcrypt
    password = "p" * 72
    auth = BasicAuth({"alice": hashed(password)})
    assert auth.verify(b"alice", (password + "extra").encode()) is False  # bcrypt alone would accept it
    assert auth.verify(b"alice", b"x" * 10_000) is False
    assert auth.verify(b"alice", password.encode()) is True
    assert len(calls) == 3


def test_bcrypt_runs_one_at_a_time(counted_bcrypt):
    _, running = counted_bcrypt
    auth = BasicAuth({"alice": hashed("pw")})
    threads = [threading.Thread(target=auth.verify, args=(b"alice", f"wrong{i}".encode())) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running[1] == 1


def test_caches_are_bounded_and_failures_cannot_push_out_a_success(monkeypatch):
    monkeypatch.setattr(auth_module, "FAILURE_CACHE_SIZE", 10)
    monkeypatch.setattr(bcrypt, "checkpw", lambda password, hashed_password: password == b"pw")
    auth = BasicAuth({"alice": hashed("pw")})
    assert auth.verify(b"alice", b"pw")
    for i in range(50):
        auth.verify(b"alice", f"wrong{i}".encode())
    assert len(auth._failures) == 10
    assert auth.cached(b"alice", b"pw") is True


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("Bearer abc", None),
        ("Basic !!!", None),
        ("Basic " + base64.b64encode(b"nocolon").decode(), None),
        ("basic " + base64.b64encode(b"u:p:q").decode(), (b"u", b"p:q")),
        ("Basic " + base64.b64encode(b"\xff:\xfe").decode(), (b"\xff", b"\xfe")),
    ],
)
def test_authorization_header_parsing(header, expected):
    assert parse_basic_authorization(header) == expected


def test_the_exporter_answers_401_never_500_and_counts_and_logs_them(tmp_path):
    config = tmp_path / "web.yml"
    config.write_text(f"basic_auth_users:\n  alice: '{hashed('s3cret')}'\n")

    def refused_so_far() -> float:
        # Another Accept each time: the server reuses a rendering for the same headers for up to a second.
        body = exporter.get("/metrics", headers=basic("alice", "s3cret") | {"Accept": f"text/plain; n={time.monotonic()}"})[1]
        return float(re.search(r'^linky_exporter_http_responses_total\{code="401"\} (\S+)$', body, re.M).group(1))

    with Exporter("--tic.source", CAPTURE, "--web.config.file", str(config)) as exporter:
        before = refused_so_far()  # the health checks of Exporter's start were refused too
        for headers in (
            {},
            basic("alice", "wrong"),
            basic("alice", "s" * 100),  # longer than bcrypt's 72 bytes: 500 and a traceback before
            basic("nobody", "s3cret"),
            basic(b"\xff\xfe", b"\x00"),
            {"Authorization": "Basic %%%"},
        ):
            status, _ = exporter.get("/metrics", headers=headers)
            assert status == 401, headers
        for path in ("/", "/-/healthy", "/-/ready", "/nope"):
            assert exporter.get(path)[0] == 401
        assert "Traceback" not in exporter.log()
        assert refused_so_far() == before + 10
        # The first wrong password is logged at once, with who sent it; the next ones a minute later.
        first = [line for line in exporter.log().splitlines() if "refused for a wrong password" in line]
        assert len(first) == 1 and "1 request(s)" in first[0] and "127.0.0.1 as user 'alice' (1)" in first[0], first


def test_an_empty_basic_auth_users_means_no_authentication(tmp_path):
    config = tmp_path / "web.yml"
    config.write_text("basic_auth_users:\n")
    with Exporter("--tic.source", CAPTURE, "--web.config.file", str(config)) as exporter:
        assert exporter.get("/metrics")[0] == 200
