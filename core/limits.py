"""The one rate limiter: named limits, each "count per window" on one kind of key.

Every limit is a line of `settings.RATE_LIMITS` (`{"name": "count/seconds"}`, each also
settable from the environment as RATE_LIMIT_<NAME>), counted in the cache (production needs
a shared one: Redis). A tripped limit raises RateLimited, which every interface answers with
429 and Retry-After. If the cache is down the limiter fails closed with a 503: a limit that
cannot be counted must not silently stop limiting.

    limits.check("sign_in_account", account_key)   # refuse when the allowance is spent
    limits.hit("sign_in_account", account_key)     # count one (failed) attempt
    limits.reset("sign_in_account", account_key)   # a success forgets the failures
    limits.consume("signup_ip", ip)                # count and refuse in one step
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .errors import RateLimited, Unavailable

CACHE_DOWN = (
    "The service that counts attempts is not answering, so this cannot be allowed right "
    "now: try again in a minute. If it lasts, tell the administrators."
)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window: int

    @classmethod
    def named(cls, name: str) -> Limit:
        count, _, window = settings.RATE_LIMITS[name].partition("/")
        return cls(name=name, count=int(count), window=int(window))


def _keys(limit: Limit, key: str) -> tuple[str, str]:
    digest = hashlib.sha256(str(key).strip().lower().encode()).hexdigest()[:32]
    base = f"limit:{limit.name}:{digest}"
    return f"{base}:count", f"{base}:reset"


def _retry_after(reset_key: str, limit: Limit) -> int:
    reset_at = cache.get(reset_key)
    if not isinstance(reset_at, (int, float)):
        return limit.window
    return max(1, math.ceil(reset_at - time.time()))


def _refusal(message: str | None, limit: Limit, retry_after: int) -> RateLimited:
    return RateLimited(message or default_message(retry_after), retry_after=retry_after)


def default_message(retry_after: int) -> str:
    return f"Too many attempts: wait {in_words(retry_after)} and try again."


def in_words(seconds: int) -> str:
    """A wait in words: "45 seconds", "1 minute", "5 minutes", "2 hours"."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours"


def check(name: str, key: str, message: str | None = None) -> None:
    """Raise RateLimited when key has used up the allowance of limit name."""
    limit = Limit.named(name)
    count_key, reset_key = _keys(limit, key)
    try:
        if (cache.get(count_key) or 0) >= limit.count:
            raise _refusal(message, limit, _retry_after(reset_key, limit))
    except RateLimited:
        raise
    except Exception as error:  # noqa: BLE001 - any cache failure: fail closed
        raise Unavailable(CACHE_DOWN) from error


def hit(name: str, key: str) -> int:
    """Count one attempt for key under limit name; returns the count in this window."""
    limit = Limit.named(name)
    count_key, reset_key = _keys(limit, key)
    try:
        # add() starts the window only when none runs; incr() is atomic on shared caches.
        if cache.add(count_key, 0, timeout=limit.window):
            cache.set(reset_key, time.time() + limit.window, timeout=limit.window)
        try:
            return cache.incr(count_key)
        except ValueError:  # expired between add() and incr()
            cache.set(count_key, 1, timeout=limit.window)
            cache.set(reset_key, time.time() + limit.window, timeout=limit.window)
            return 1
    except Exception as error:  # noqa: BLE001 - any cache failure: fail closed
        raise Unavailable(CACHE_DOWN) from error


def consume(name: str, key: str, message: str | None = None) -> None:
    """Count one request for key and refuse it once the allowance is spent."""
    if hit(name, key) > Limit.named(name).count:
        limit = Limit.named(name)
        raise _refusal(message, limit, _retry_after(_keys(limit, key)[1], limit))


def reset(name: str, key: str) -> None:
    """Forget key's count under limit name (a successful sign-in clears its failures)."""
    limit = Limit.named(name)
    try:
        cache.delete_many(list(_keys(limit, key)))
    except Exception as error:  # noqa: BLE001 - any cache failure: fail closed
        raise Unavailable(CACHE_DOWN) from error
