"""Reactions to library events (allauth, django.contrib.auth): they record account events."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as allauth_signals
from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from core import limits

from .adapter import account_for_credentials
from .domains import lapsed_addresses, lapsed_warning
from .emails import send_security_email
from .events import record_event
from .models import User
from .twofactor import used_factor

UNVERIFIED_WARNING = (
    "Your email address is not verified yet. Until it is, you cannot publish packages or "
    "reset your password by email: follow the link we sent you, or resend it from your "
    "account page."
)


def _second_factor(request: HttpRequest | None, user: User) -> str | None:
    """The second factor this sign-in passed, if any (set by the two-factor login stage)."""
    candidates = [user, getattr(request, "user", None)]
    for candidate in candidates:
        if candidate is not None and getattr(candidate, "pk", None) == user.pk:
            factor = used_factor(candidate)
            if factor:
                return factor
    session = getattr(request, "session", None)
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk:
            user.otp_device = device
            return used_factor(user)
    return None


def _login_method(request: HttpRequest | None, user: User) -> dict[str, str]:
    """How the password step named the account (username or email), from allauth's records."""
    if request is None or not hasattr(request, "session"):
        return {"method": "unknown"}
    if getattr(request, "_wharf_signed_up", False):
        return {"method": "signup"}
    records = get_authentication_records(request, user)
    if not records:
        return {"method": "unknown"}
    # The first factor's record names the account; a later one may be a second factor's.
    first = next((r for r in reversed(records) if "email" in r or "username" in r), records[-1])
    details = {"method": str(first.get("method", "unknown"))}
    if "email" in first:
        details["login_by"] = "email"
    elif "username" in first:
        details["login_by"] = "username"
    return details


@receiver(allauth_signals.user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record_event(
        user=user,
        tag="account:login:success",
        request=request,
        factor=_second_factor(request, user),
        **_login_method(request, user),
    )
    if not user.has_verified_email:
        messages.warning(request, UNVERIFIED_WARNING)
    for email in lapsed_addresses(user):
        messages.warning(request, lapsed_warning(email))


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Unknown names leave no trace: there is no account to attach the event to.
    user = account_for_credentials(credentials)
    if user is None:
        return
    login_by = "email" if credentials.get("email") else "username"
    record_event(user=user, tag="account:login:failure", request=request, login_by=login_by)


@receiver(allauth_signals.user_signed_up)
def on_signup(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # allauth signs the new account in right after this signal; tell on_login why.
    request._wharf_signed_up = True
    record_event(
        user=user,
        tag="account:account:created",
        request=request,
        terms_version=user.terms_version,
    )


@receiver(allauth_signals.password_changed)
def on_password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # allauth mails the verified addresses itself (account/email/password_changed).
    record_event(user=user, tag="account:password:changed", request=request)


@receiver(allauth_signals.password_set)
def on_password_set(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record_event(user=user, tag="account:password:set", request=request)


@receiver(allauth_signals.password_reset)
def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # Proving the mailbox is proving the account: forget the failed sign-ins against it.
    limits.reset("sign_in_account", f"account:{user.pk}")
    # allauth mails the verified addresses itself (account/email/password_reset).
    record_event(user=user, tag="account:password:reset", request=request)


@receiver(allauth_signals.email_added)
def on_email_added(
    sender: Any, request: HttpRequest, user: User, email_address: EmailAddress, **kwargs: Any
) -> None:
    record_event(user=user, tag="account:email:added", request=request, email=email_address.email)
    # allauth sends no notice for an added address: the verified ones hear about it here.
    send_security_email(
        user=user,
        template="account_email_added",
        context={"added_email": email_address.email, **_request_context(request)},
    )


@receiver(allauth_signals.email_removed)
def on_email_removed(
    sender: Any, request: HttpRequest, user: User, email_address: EmailAddress, **kwargs: Any
) -> None:
    # allauth mails the remaining verified addresses itself (account/email/email_deleted).
    record_event(user=user, tag="account:email:removed", request=request, email=email_address.email)


@receiver(allauth_signals.email_confirmed)
def on_email_confirmed(
    sender: Any, request: HttpRequest, email_address: EmailAddress, **kwargs: Any
) -> None:
    record_event(
        user=email_address.user,
        tag="account:email:verified",
        request=request,
        email=email_address.email,
    )


@receiver(allauth_signals.email_changed)
def on_primary_email_changed(
    sender: Any,
    request: HttpRequest,
    user: User,
    from_email_address: EmailAddress | None,
    to_email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    record_event(
        user=user,
        tag="account:email:primary_changed",
        request=request,
        from_email=from_email_address.email if from_email_address else None,
        to_email=to_email_address.email,
    )


def _request_context(request: HttpRequest | None) -> dict[str, str]:
    from .events import client_ip, client_user_agent

    return {
        "ip": client_ip(request) or "unknown",
        "user_agent": client_user_agent(request) or "unknown",
    }
