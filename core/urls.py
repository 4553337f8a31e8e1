"""Addresses of the site's own pages, always built with reverse(): never a literal path."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *args: Any, **kwargs: Any) -> str:
    """The full address (SITE_URL + path) of a named page, for messages and mail."""
    return settings.SITE_URL + reverse(viewname, args=args or None, kwargs=kwargs or None)
