"""allauth policy in one place: mail goes through celery, notifications to verified addresses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.stages import EmailVerificationStage
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core import limits

from .emails import queue_email
from .models import User

SIGN_IN_MISMATCH = (
    "The username or email address and the password do not match. Check both and try again, "
    "or reset your password."
)


def account_for_credentials(credentials: dict[str, Any]) -> User | None:
    """The account a sign-in attempt names, by email address or by username (any case)."""
    from allauth.account.models import EmailAddress

    email = str(credentials.get("email") or "").strip()
    username = str(credentials.get("username") or "").strip()
    if "\x00" in email + username:
        return None  # names no account (and PostgreSQL refuses NUL in a query: a 500)
    if email:
        # A verified owner first: anyone can add an address to their own account unverified.
        addresses = EmailAddress.objects.filter(email__iexact=email).order_by("-verified", "pk")
        address = addresses.select_related("user").first()
        if address is not None:
            return address.user
        return User.objects.filter(email__iexact=email).first()
    if username:
        return User.objects.filter(username__iexact=username).first()
    return None


def sign_in_failure_key(identifier: str) -> str:
    """What failed sign-ins count against: the account named by username or any address."""
    identifier = identifier.strip()
    # Usernames cannot contain "@": anything with one names an account by email.
    user = account_for_credentials({"email" if "@" in identifier else "username": identifier})
    return f"account:{user.pk}" if user is not None else f"name:{identifier.lower()[:150]}"


class SignupVerificationStage(EmailVerificationStage):
    """A signup ends on "check your mail", whether the address was new or taken.

    Signing in stays possible with an unverified address (ACCOUNT_EMAIL_VERIFICATION is
    optional), but a fresh signup is not signed in at once: otherwise its answer (signed in)
    would differ from the one for a taken address (nothing created; its owner gets a mail).
    """

    def handle(self):
        if not self.login.signup:
            return super().handle()
        from allauth.account.internal.flows.email_verification import (
            send_verification_email_at_login,
        )

        send_verification_email_at_login(self.request, self.login)
        adapter = get_adapter(self.request)
        return adapter.respond_email_verification_sent(self.request, self.login.user), True


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        """allauth's stages (signup always ends on "check your mail"), then our second factor."""
        stages = [
            "accounts.adapter.SignupVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in super().get_login_stages()
        ]
        return [*stages, "accounts.stages.TwoFactorStage"]

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts for this account. Wait a few minutes and try "
            "again, or reset your password."
        ),
        "username_taken": "That username is taken. Choose another one.",
        # One wording whichever way the account was named, so the reply reveals nothing.
        "username_password_mismatch": SIGN_IN_MISMATCH,
        "email_password_mismatch": SIGN_IN_MISMATCH,
    }

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = {"SITE_URL": settings.SITE_URL, **context}
        message = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        queue_email(to=list(message.to), subject=message.subject, body=message.body, html=html)

    def send_notification_mail(
        self, template_prefix: str, user: Any, context: dict[str, Any] | None = None, email=None
    ) -> None:
        """Security notifications go to every verified address of the account."""
        if not settings.ACCOUNT_EMAIL_NOTIFICATIONS:
            return
        ctx = {"user": user, **self.get_notification_context(user), **(context or {})}
        for address in [email] if email else user.verified_emails:
            self.send_mail(template_prefix, address, ctx)

    def get_notification_context(self, user: Any) -> dict[str, Any]:
        request: HttpRequest | None = getattr(self, "request", None)
        from .events import client_ip, client_user_agent

        return {
            "ip": client_ip(request) or "unknown",
            "user_agent": client_user_agent(request) or "unknown",
            "timestamp": timezone.now(),
        }

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup) -> None:
        """One verification mail per address per window (RATE_LIMITS["email_resend_user"])."""
        address = emailconfirmation.email_address.email.lower()
        limits.consume(
            "email_resend_user",
            address,
            message="A verification mail was sent to this address moments ago: check your "
            "inbox (and spam folder), or wait a few minutes before asking for another.",
        )
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def get_email_confirmation_url(self, request: HttpRequest | None, emailconfirmation) -> str:
        """Links in mail point at SITE_URL, never at whatever Host header the request carried."""
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed sign-ins per account, whether it is named by username or by email."""
        user = account_for_credentials(credentials)
        if user is not None:
            return f"account:{user.pk}"
        return super()._get_login_attempts_cache_key(request, **credentials)
