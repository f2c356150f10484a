"""Submissions per web form and client address: a brake on scripts that post a form in a loop.

``LEAD_FORM_RATE`` ("10/600": ten submissions in 600 seconds, the default) sets the limit.
Counters live in the ``counters`` cache (Redis, shared by every web process, when
``GUANXI_REDIS_URL`` is set; otherwise in the memory of the serving process) in fixed
windows: a window starts at a multiple of its length, so a client may send up to twice the
limit across a window's edge. ``add`` + ``incr`` make the count atomic on Redis and in memory.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches

_PREFIX = "guanxi:form-rate:"
DEFAULT_RATE = "10/600"


def rate() -> tuple[int, int]:
    """(submissions, seconds) from ``LEAD_FORM_RATE``; a malformed value falls back to 10/600."""
    text = str(getattr(settings, "LEAD_FORM_RATE", DEFAULT_RATE) or DEFAULT_RATE)
    try:
        count, seconds = (int(part) for part in text.split("/", 1))
    except ValueError:
        count, seconds = (int(part) for part in DEFAULT_RATE.split("/"))
    return max(count, 1), max(seconds, 1)


def hit(form_id: int, address: str, *, now: float | None = None) -> int:
    """Count one submission; the seconds to wait before the next is accepted (0: accepted)."""
    limit, window = rate()
    now = time.time() if now is None else now
    slot = int(now // window)
    client = hashlib.sha256((address or "unknown").encode()).hexdigest()[:24]
    key = f"{_PREFIX}{form_id}:{client}:{slot}"
    cache = caches["counters"]
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((slot + 1) * window - now))
