"""The account's security history: record_event() is the one way to add to it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest

from .models import AccountEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address, as allauth's rate limits see it (TRUSTED_PROXY_COUNT aware)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or None
    except (ImproperlyConfigured, PermissionDenied, ValueError):
        # A forwarded-for header shorter than the configured proxy chain: not trustworthy.
        return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def record_event(
    *, user: User, tag: str, request: HttpRequest | None = None, **details: Any
) -> AccountEvent:
    """Record a security event, e.g. tag="account:login:success"."""
    return AccountEvent.objects.create(
        user=user,
        tag=tag,
        ip_address=client_ip(request),
        user_agent=client_user_agent(request),
        details=details,
    )
