"""Basic authentication as exporter-toolkit does it, against bcrypt hashes.

- bcrypt costs tens of milliseconds by design, so results are remembered:
  successes and failures alike, in two bounded caches (a flood of wrong
  passwords cannot push the good one out), keyed by a keyed hash of user and
  password (the passwords themselves are never kept).
- bcrypt runs under one lock: a flood of new wrong passwords costs one core at
  most, whatever the number of clients.
- Every refusal costs the bcrypt work of the costliest configured hash, so
  timing does not tell which users exist: an unknown user's password is
  checked against a dummy hash of that cost; a known user whose hash is
  cheaper is checked against its hash and then against dummies of its cost
  and each cost above it up to the costliest's (2^c + 2^c + 2^(c+1) + ... =
  the costliest's 2^top rounds). A password longer than bcrypt's 72 bytes is
  refused the same way, at the same cost. A right password costs its own hash
  only: whoever sent it knows already that the user exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
from collections import OrderedDict

log = logging.getLogger(__name__)

BCRYPT_MAX_PASSWORD = 72
SUCCESS_CACHE_SIZE = 64
FAILURE_CACHE_SIZE = 1024
#: After a failed check, bcrypt's thread rests this share of the check's time (holding
#: its lock): a flood of new wrong passwords then takes at most 1 / 1.25 = 80 % of one
#: core, leaving the rest to the meter's reader and the scrapes even on a one-core Pi.
#: A right password never waits for it (unless queued behind a flood).
FAILURE_REST_SHARE = 0.25


def bcrypt_cost(hashed: bytes) -> int:
    """The cost of a bcrypt hash (``$2b$10$...``: 10); config.py has checked the form."""
    return int(hashed[4:6])


def dummy_hash(cost: int) -> bytes:
    """A well-formed bcrypt hash of ``cost`` that no password matches: a random salt, a digest of dots.

    Checking a password against it costs what a real hash of that cost costs;
    making it costs nothing (no bcrypt at start).
    """
    import bcrypt

    return bcrypt.gensalt(cost) + b"." * 31


def parse_basic_authorization(header: str | None) -> tuple[bytes, bytes] | None:
    """(user, password) from an ``Authorization: Basic ...`` value, or None."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except ValueError:
        return None
    user, sep, password = decoded.partition(b":")
    return (user, password) if sep else None


class BasicAuth:
    def __init__(self, users: dict[str, str]):
        # Python's bcrypt spells the $2y$ of htpasswd $2b$: the same algorithm.
        self.users = {user.encode(): hashed.replace("$2y$", "$2b$", 1).encode() for user, hashed in users.items()}
        costs = {bcrypt_cost(hashed) for hashed in self.users.values()}
        self.top_cost = max(costs, default=0)
        # A dummy of each cost from the cheapest configured hash to the costliest: the
        # costliest's stands in for an unknown user's hash, the others pad a cheaper refusal.
        self._dummies = {cost: dummy_hash(cost) for cost in range(min(costs), self.top_cost + 1)} if costs else {}
        self._key = os.urandom(32)
        self._bcrypt_lock = threading.Lock()  # held for a whole bcrypt: never taken on the event loop
        self._cache_lock = threading.Lock()  # held for a dict operation
        self._successes: OrderedDict[bytes, None] = OrderedDict()
        self._failures: OrderedDict[bytes, None] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self.users)

    def cached(self, user: bytes, password: bytes) -> bool | None:
        """The remembered verdict for these credentials, or None: cheap, for the event loop."""
        key = self._cache_key(user, password)
        with self._cache_lock:
            if key in self._successes:
                return True
            if key in self._failures:
                return False
        return None

    def verify(self, user: bytes, password: bytes) -> bool:
        """bcrypt, serialised: call it off the event loop. The verdict is remembered."""
        import bcrypt  # tens of milliseconds of import, only for a configuration with users

        hashed = self.users.get(user)
        known = hashed is not None
        too_long = len(password) > BCRYPT_MAX_PASSWORD
        checked = password[:BCRYPT_MAX_PASSWORD]
        with self._bcrypt_lock:
            started = time.monotonic()
            try:
                matched = bcrypt.checkpw(checked, hashed if known else self._dummies[self.top_cost])
            except ValueError as error:  # a hash bcrypt cannot read: refused, never a 500
                log.warning("basic auth: the hash of user %r cannot be checked: %s", user.decode(errors="replace"), error)
                matched = False
            verdict = known and matched and not too_long
            if not verdict:
                if known:  # as much bcrypt as the costliest hash: dummies of cost c, c+1, ..., top-1
                    for cost in range(bcrypt_cost(hashed), self.top_cost):
                        bcrypt.checkpw(checked, self._dummies[cost])
                time.sleep(FAILURE_REST_SHARE * (time.monotonic() - started))
        with self._cache_lock:
            cache = self._successes if verdict else self._failures
            cache[self._cache_key(user, password)] = None
            if len(cache) > (SUCCESS_CACHE_SIZE if verdict else FAILURE_CACHE_SIZE):
                cache.popitem(last=False)
        return verdict

    def cache_key(self, user: bytes, password: bytes) -> bytes:
        """A keyed hash of the credentials: how they are remembered, never the password itself."""
        return self._cache_key(user, password)

    def _cache_key(self, user: bytes, password: bytes) -> bytes:
        return hmac.digest(self._key, len(user).to_bytes(4, "big") + user + password, hashlib.sha256)

