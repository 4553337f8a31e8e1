"""Signed-in sessions the owner can see and end (the page is tokens.views.sessions).

Each sign-in makes a UserSession row and keeps its id in the session's own data; the
middleware notes when the session was last seen and signs it out once its row is ended.
Ending other sessions follows a password change, a second factor's removal and a completed
recovery. A sign-in from a kind of device not seen before on the account is mailed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from allauth.account import signals as allauth_signals
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.errors import NotFound

from .emails import send_security_email
from .events import client_ip, client_user_agent, record_event
from .models import AccountEvent, User, UserSession
from .user_agents import describe_user_agent

SESSION_ROW_KEY = "wharf_session_id"
# last_seen is written at most this often per session: one UPDATE a minute, not per request.
TOUCH_EVERY = timedelta(seconds=60)
ENDED_MESSAGE = "This session was signed out from another one. Sign in again to continue."


def current_session_id(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    value = session.get(SESSION_ROW_KEY) if session is not None else None
    return value if isinstance(value, int) else None


def _seen_before(user: User, device: str, this_event: AccountEvent | None) -> bool | None:
    """Whether an earlier sign-in came from this kind of device; None on a first sign-in."""
    earlier = AccountEvent.objects.filter(user=user, tag="account:login:success")
    if this_event is not None:
        earlier = earlier.exclude(pk=this_event.pk)
    agents = set(earlier.values_list("user_agent", flat=True)[:500])
    if not agents:
        return None
    return any(describe_user_agent(agent) == device for agent in agents)


def session_start(
    *, request: HttpRequest, user: User, method: str, notify: bool = True
) -> UserSession:
    """Record a new signed-in session; mail the owner when its device is new to the account."""
    user_agent = client_user_agent(request)
    device = describe_user_agent(user_agent)
    now = timezone.now()
    row = UserSession.objects.create(
        user=user,
        last_seen=now,
        ip_address=client_ip(request),
        user_agent=user_agent,
        device=device,
        method=method,
    )
    request.session[SESSION_ROW_KEY] = row.pk
    # Django's user_logged_in comes before allauth's: this sign-in has no event yet.
    if notify and method != "signup" and _seen_before(user, device, None) is False:
        send_security_email(
            user=user,
            template="new_device_sign_in",
            context={
                "device": device,
                "ip": row.ip_address or "an unknown address",
                "when": now,
            },
        )
    return row


@transaction.atomic
def session_end(*, user: User, session_id: int, request: HttpRequest | None = None) -> None:
    """End one of the account's other sessions: it is signed out on its next request."""
    if request is not None and session_id == current_session_id(request):
        raise NotFound("That is this session: use Sign out instead.")
    ended = UserSession.objects.active_for(user).filter(pk=session_id)
    row = ended.first()
    if row is None:
        raise NotFound("That session has already ended: reload the page to see the others.")
    ended.update(ended=timezone.now())
    record_event(
        user=user,
        tag="account:session:ended",
        request=request,
        device=row.device,
        session_ip=row.ip_address,
    )


@transaction.atomic
def sessions_end_others(
    *, user: User, request: HttpRequest | None = None, reason: str = "requested"
) -> int:
    """End every session of the account but the one making the request; returns how many."""
    others = UserSession.objects.active_for(user)
    keep = current_session_id(request) if request is not None else None
    if keep is not None:
        others = others.exclude(pk=keep)
    count = others.update(ended=timezone.now())
    if count:
        record_event(
            user=user,
            tag="account:session:others_ended",
            request=request,
            count=count,
            reason=reason,
        )
    return count


class SessionTrackingMiddleware:
    """After authentication: sign out sessions that were ended elsewhere, note last seen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: User) -> None:
        row_id = current_session_id(request)
        row = UserSession.objects.filter(pk=row_id).first() if row_id is not None else None
        if row is None or row.user_id != user.pk:
            # Signed in before sessions were tracked (or by a test client): track it now.
            session_start(request=request, user=user, method="", notify=False)
            return
        if row.ended is not None:
            logout(request)
            messages.warning(request, ENDED_MESSAGE)
            return
        now = timezone.now()
        if now - row.last_seen >= TOUCH_EVERY:
            UserSession.objects.filter(pk=row.pk).update(
                last_seen=now, ip_address=client_ip(request)
            )


# --- Reactions to allauth ------------------------------------------------------------------


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    if getattr(request, "_wharf_signed_up", False):
        method = "signup"
    elif getattr(request, "_wharf_passkey", False):
        method = "passkey"
    else:
        method = "password"
    session_start(request=request, user=user, method=method)


@receiver(allauth_signals.user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    row_id = current_session_id(request)
    if row_id is not None:
        UserSession.objects.filter(pk=row_id, ended__isnull=True).update(ended=timezone.now())


@receiver(allauth_signals.password_changed)
def on_password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    sessions_end_others(user=user, request=request, reason="password changed")


@receiver(allauth_signals.password_reset)
def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    sessions_end_others(user=user, request=None, reason="password reset")
