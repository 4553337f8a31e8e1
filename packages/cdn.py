"""The CDN purge hook: after pages are written to S3, the CDN forgets its copies of them.

CDN_PURGE picks the implementation: "" (no CDN), "fastly" (purges by surrogate key, the
tags each page object carries), "cloudflare" (purges by URL: tags need an Enterprise
plan), or a dotted path to a class with `purge(*, tags, urls)` (tests use a fake).
All HTTP goes through core.outside.fetch.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from core.outside import fetch

logger = logging.getLogger(__name__)


class PurgeError(Exception):
    """The CDN refused or failed the purge."""


class Purger(Protocol):
    def purge(self, *, tags: list[str], urls: list[str]) -> None: ...


class FastlyPurger:
    """Fastly: one batch purge by surrogate key (POST /service/<id>/purge)."""

    def __init__(self) -> None:
        self.api = settings.CDN_API_URL or "https://api.fastly.com"
        self.service = settings.CDN_SERVICE_ID
        self.token = settings.CDN_API_TOKEN

    def purge(self, *, tags: list[str], urls: list[str]) -> None:
        answer = fetch(
            f"{self.api.rstrip('/')}/service/{self.service}/purge",
            method="POST",
            headers={"Fastly-Key": self.token},
            json_body={"surrogate_keys": tags},
            allow_private=settings.OUTSIDE_ALLOW_PRIVATE_HOSTS,
        )
        if answer.status >= 300:
            raise PurgeError(f"Fastly answered {answer.status}: {answer.text()[:200]}")


class CloudflarePurger:
    """Cloudflare: purge by URL (POST /client/v4/zones/<zone>/purge_cache)."""

    def __init__(self) -> None:
        self.api = settings.CDN_API_URL or "https://api.cloudflare.com"
        self.zone = settings.CDN_SERVICE_ID
        self.token = settings.CDN_API_TOKEN

    def purge(self, *, tags: list[str], urls: list[str]) -> None:
        answer = fetch(
            f"{self.api.rstrip('/')}/client/v4/zones/{self.zone}/purge_cache",
            method="POST",
            headers={"Authorization": f"Bearer {self.token}"},
            json_body={"files": urls},
            allow_private=settings.OUTSIDE_ALLOW_PRIVATE_HOSTS,
        )
        if answer.status >= 300:
            raise PurgeError(f"Cloudflare answered {answer.status}: {answer.text()[:200]}")


_NAMED = {"fastly": FastlyPurger, "cloudflare": CloudflarePurger}


@lru_cache(maxsize=8)
def _purger(name: str) -> Purger:
    return (_NAMED.get(name) or import_string(name))()


def page_urls(keys: list[str]) -> list[str]:
    """The public addresses of page keys (simple/x/index.html -> SITE_URL/simple/x/)."""
    base = settings.CDN_PAGES_URL or settings.SITE_URL
    return sorted({f"{base.rstrip('/')}/{key.rsplit('/', 1)[0]}/" for key in keys})


def purge(*, tags: list[str], keys: list[str]) -> None:
    """Tell the configured CDN to drop the pages just written (no CDN: nothing to do)."""
    name = settings.CDN_PURGE
    if not name:
        return
    _purger(name).purge(tags=tags, urls=page_urls(keys))
