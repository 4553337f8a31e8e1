"""Account writes done for someone else (staff, recovery, the system): audited with the actor.

The owner's own changes go through allauth's flows and accounts.twofactor*; these are the
ones another party makes, so each records who did it ("actor": a staff username, or
"system") and why, in the account's security history.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import devices_for_user

from .events import record_event
from .models import User, UserSession


def actor_name(actor: User | None) -> str:
    """How an actor appears in the security history: a username, or "system"."""
    return actor.username if actor is not None else "system"


@transaction.atomic
def email_set_primary_verified(*, user: User, email: str, actor: User | None, reason: str) -> str:
    """Make email the account's verified primary address (added if the account lacks it)."""
    EmailAddress.objects.filter(user=user).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    address.verified = True
    address.primary = True
    address.save()
    User.objects.filter(pk=user.pk).update(email=address.email)
    user.email = address.email
    record_event(
        user=user,
        tag="account:email:primary_set",
        email=address.email,
        actor=actor_name(actor),
        reason=reason,
    )
    return address.email


@transaction.atomic
def email_mark_unverified(
    *,
    address: EmailAddress,
    actor: User | None,
    reason: str,
    tag: str = "account:email:unverified",
) -> bool:
    """Take the verified mark off an address (it proves nothing now); False if it had none."""
    changed = EmailAddress.objects.filter(pk=address.pk, verified=True).update(verified=False)
    if not changed:
        return False
    address.verified = False
    record_event(
        user=address.user,
        tag=tag,
        email=address.email,
        actor=actor_name(actor),
        reason=reason,
    )
    return True


@transaction.atomic
def two_factor_remove_all(*, user: User, actor: User | None, reason: str) -> list[str]:
    """Remove every second factor of the account (app, security keys, recovery codes)."""
    removed = []
    for device in devices_for_user(user, confirmed=None):
        removed.append(f"{type(device).__name__}:{device.name}")
        device.delete()
    if removed:
        record_event(
            user=user,
            tag="account:two_factor:removed_all",
            devices=removed,
            actor=actor_name(actor),
            reason=reason,
        )
    return removed


@transaction.atomic
def password_disable(*, user: User, actor: User | None, reason: str) -> None:
    """Leave the account without a usable password until its owner sets one."""
    user.set_unusable_password()
    User.objects.filter(pk=user.pk).update(password=user.password)
    record_event(user=user, tag="account:password:disabled", actor=actor_name(actor), reason=reason)


@transaction.atomic
def sessions_end_all(*, user: User, actor: User | None, reason: str) -> int:
    """Sign the account out everywhere: delete every live session that belongs to it."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    # The sessions page (accounts.sessions) lists them no longer.
    UserSession.objects.active_for(user).update(ended=timezone.now())
    record_event(
        user=user, tag="account:sessions:ended", count=ended, actor=actor_name(actor), reason=reason
    )
    return ended


def password_reset_send(
    *, user: User, actor: User | None, request: HttpRequest | None = None
) -> list[str]:
    """Mail the account a password reset link at its verified addresses (staff's only way)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.internal.flows.password_reset import request_password_reset

    addresses = list(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    for email in addresses:
        request_password_reset(request, email, [user], default_token_generator)
    record_event(
        user=user,
        tag="account:password:reset_link_sent",
        request=request,
        addresses=addresses,
        actor=actor_name(actor),
    )
    return addresses


@transaction.atomic
def password_set(*, user: User, password: str) -> None:
    """Set a new password (the caller checked it and records why); other sessions end."""
    user.set_password(password)
    User.objects.filter(pk=user.pk).update(password=user.password)
