"""The account's security history: record_event() is the one way to add to it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AccountEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address (REMOTE_ADDR; a proxy in front must set it, e.g. gunicorn's)."""
    if request is None:
        return None
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
