"""Breached passwords: Have I Been Pwned's k-anonymity range API, or a shipped offline list."""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path

from django.conf import settings

from core import outside

logger = logging.getLogger(__name__)

OFFLINE = "offline"
OFFLINE_LIST = Path(__file__).with_name("breached_passwords.txt")
TIMEOUT_SECONDS = 3


@cache
def _offline_hashes() -> frozenset[str]:
    lines = OFFLINE_LIST.read_text().splitlines()
    return frozenset(line.strip().upper() for line in lines if line and not line.startswith("#"))


def breach_count(password: str) -> int:
    """How often the password was seen in breaches (0: never, or the service failed)."""
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    url = settings.PWNED_PASSWORDS_URL
    if not url:
        return 0
    if url == OFFLINE:
        return 1 if digest in _offline_hashes() else 0
    prefix, suffix = digest[:5], digest[5:]
    try:
        fetched = outside.fetch(
            url.rstrip("/") + "/" + prefix,
            headers={"Add-Padding": "true"},
            timeout=TIMEOUT_SECONDS,
            allow_private=settings.OUTSIDE_ALLOW_PRIVATE_HOSTS,
        )
    except outside.FetchError as error:
        logger.warning("breached-password check skipped, the password was allowed: %s", error)
        return 0
    if fetched.status != 200:
        logger.warning(
            "breached-password check skipped, the password was allowed: %s answered HTTP %s",
            url,
            fetched.status,
        )
        return 0
    for line in fetched.text.splitlines():
        found, _, count = line.strip().partition(":")
        if found.upper() == suffix:
            try:
                return int(count)
            except ValueError:
                return 1
    return 0
