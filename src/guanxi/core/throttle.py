"""Login throttling: failed sign-ins counted per account and per client address.

Each counter lives in Django's cache (a file cache on one machine, Redis when configured, so
every web process sees the same counts) as ``(failures, locked_until)``; the window starts at
the first failure and lasts ``LOGIN_THROTTLE_WINDOW`` seconds. Once either counter reaches
``LOGIN_THROTTLE_ATTEMPTS``, further attempts are refused without checking the password, so
a locked account cannot be probed. A successful sign-in clears both counters.

The read-modify-write is not atomic: two failures at the same instant may count as one.
That is acceptable for a brake on guessing; it never lets more than a few extra attempts by.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

_PREFIX = "guanxi:login-fail:"


def client_address(request) -> str:
    """The address a request came from, for per-address limits.

    REMOTE_ADDR, unless it is one of ``GUANXI_TRUSTED_PROXIES``: then the nearest address in
    X-Forwarded-For that is not a trusted proxy (a client can write anything in that header,
    so only the entries the proxies appended are believed).
    """
    address = request.META.get("REMOTE_ADDR", "")
    if address not in settings.TRUSTED_PROXIES:
        return address
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([a for a in chain if a]):
        if hop not in settings.TRUSTED_PROXIES:
            return hop
    return address


def _keys(username: str, address: str) -> list[str]:
    # Hash the username: it is user input and cache keys must be short and plain ASCII.
    name = hashlib.sha256((username or "").strip().casefold().encode()).hexdigest()[:32]
    return [f"{_PREFIX}user:{name}", f"{_PREFIX}addr:{address or 'unknown'}"]


def _entry(key: str, now: float) -> tuple[int, float] | None:
    value = cache.get(key)
    if not isinstance(value, tuple | list) or len(value) != 2 or value[1] <= now:
        return None
    return int(value[0]), float(value[1])


def locked_for(username: str, address: str) -> int:
    """Seconds until sign-in for this account (or from this address) is allowed; 0 if now."""
    now = time.time()
    waits = [
        until - now
        for key in _keys(username, address)
        if (entry := _entry(key, now)) and (until := entry[1])
        if entry[0] >= settings.LOGIN_THROTTLE_ATTEMPTS
    ]
    return math.ceil(max(waits)) if waits else 0


def is_locked(username: str, address: str) -> bool:
    return locked_for(username, address) > 0


def record_failure(username: str, address: str) -> None:
    now = time.time()
    for key in _keys(username, address):
        count, until = _entry(key, now) or (0, now + settings.LOGIN_THROTTLE_WINDOW)
        cache.set(key, (count + 1, until), timeout=max(1, math.ceil(until - now)))


def reset(username: str, address: str) -> None:
    cache.delete_many(_keys(username, address))
