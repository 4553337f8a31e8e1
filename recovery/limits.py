"""A small cache-based limiter for the recovery form (per IP and per claimed account)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"recovery-limit:{scope}:{digest}"


def hit(scope: str, value: str) -> bool:
    """Count one request for value in scope; False once the window's allowance is spent."""
    allowed, window = settings.RECOVERY_RATE_LIMITS[scope]
    key = _key(scope, value)
    # add() starts the window only if it is not running; incr() is atomic on shared caches.
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= allowed
