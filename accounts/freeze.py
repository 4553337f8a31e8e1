"""Freezing an account (a takedown by a superuser): no sign-in, tokens refused, sessions ended.

A frozen account is an inactive one (`is_active=False`): Django's and allauth's backends
refuse its sign-in, `can()` and the token resolver refuse its tokens, and a session of it is
anonymous at its next request; its sessions are deleted here as well. Thawing reactivates it.
"""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core.errors import Conflict, WharfError
from core.permissions import Action, require

from .events import record_event
from .models import User


def _end_sessions(user: User) -> int:
    """Delete the user's stored sessions (database sessions, the configured engine)."""
    ended = 0
    wanted = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == wanted:
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def account_freeze(
    *, user: User, actor: User, reason: str, request: HttpRequest | None = None
) -> int:
    """Freeze an account; returns how many of its sessions were ended."""
    require(actor, Action.TAKEDOWN_FREEZE, user)
    reason = " ".join((reason or "").split())
    if not reason or "\x00" in reason:
        raise WharfError("give a reason (without NUL characters): it is kept in the history.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise Conflict(f"{user.username} is already frozen (inactive).")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = _end_sessions(user)
    record_event(
        user=user,
        tag="account:account:frozen",
        request=request,
        by=actor.username,
        reason=reason[:500],
        sessions_ended=ended,
    )
    return ended


@transaction.atomic
def account_thaw(*, user: User, actor: User, request: HttpRequest | None = None) -> None:
    """Make a frozen account usable again (its old sessions stay ended)."""
    require(actor, Action.TAKEDOWN_FREEZE, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise Conflict(f"{user.username} is not frozen.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_event(user=user, tag="account:account:thawed", request=request, by=actor.username)
