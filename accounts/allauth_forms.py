"""allauth's own forms with our policy (ACCOUNT_FORMS): sign-in wording, verified-only reset,
signup that does not tell whether an address has an account.

Kept out of forms.py: allauth's forms module imports our SignupForm from there, and these
subclass allauth's forms, so living together would be a circular import.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.forms import default_token_generator
from allauth.account.internal.flows.password_reset import request_password_reset
from allauth.account.internal.userkit import filter_users_by_email
from allauth.account.models import EmailAddress
from django import forms
from django.http import HttpRequest

from core import limits
from core.errors import RateLimited

from .adapter import sign_in_failure_key
from .domains import is_lapsed
from .emails import send_templated_email
from .events import client_ip
from .limiting import sign_in_message
from .models import User


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, its one field labelled for what it takes, and its limits.

    Failed sign-ins count per IP address and per account (named by username or by any
    address alike); a successful sign-in clears the account's count.
    """

    rate_limited: RateLimited | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Username or email"

    def _limit_keys(self, login: str) -> list[tuple[str, str]]:
        return [
            ("sign_in_ip", client_ip(self.request) or "unknown"),
            ("sign_in_account", sign_in_failure_key(login)),
        ]

    def clean(self):
        login = self.cleaned_data.get("login")
        if not login:  # the field itself was refused (empty, a NUL byte): no sign-in attempt
            return super().clean()
        keys = self._limit_keys(str(login)[:254])
        try:
            for name, key in keys:
                limits.check(name, key)
        except RateLimited as error:
            self.rate_limited = error
            raise forms.ValidationError(sign_in_message(error.retry_after)) from error
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            for name, key in keys:
                limits.hit(name, key)
            raise
        limits.reset(*keys[1])
        return cleaned


class SignupForm(AllauthSignupForm):
    """A taken address is not an error: the signup answers exactly as for a new one.

    allauth then creates nothing and mails the address's owner that someone tried to sign up
    with it ("account already exists"); with optional verification it would otherwise refuse
    the form ("already registered"), telling anyone which addresses have accounts.
    """

    def validate_unique_email(self, value: str) -> str:
        value = get_adapter().validate_unique_email(value)
        self.account_already_exists = bool(filter_users_by_email(value))
        return value


class ResetPasswordForm(AllauthResetPasswordForm):
    """Reset links go only to verified addresses; an unverified one is told about /recovery/.

    The page after submitting is the same whatever the address, so it reveals nothing.
    """

    def save(self, request: HttpRequest, **kwargs) -> str:
        email = self.cleaned_data["email"]
        verified_owners = [
            address.user
            for address in EmailAddress.objects.filter(
                email__iexact=email, verified=True, user__is_active=True
            ).select_related("user")
        ]
        if verified_owners:
            request_password_reset(request, email, verified_owners, default_token_generator)
        elif is_lapsed(email):
            # Its domain expired: whoever holds it now gets exactly an unknown address's mail.
            request_password_reset(request, email, [], default_token_generator)
        elif self._known_unverified(email):
            send_templated_email(
                to=[email], template="password_reset_unverified", context={"email": email}
            )
        else:
            # Unknown address: allauth's usual "no account with this address" mail.
            request_password_reset(request, email, [], default_token_generator)
        return email

    @staticmethod
    def _known_unverified(email: str) -> bool:
        return (
            EmailAddress.objects.filter(
                email__iexact=email, verified=False, user__is_active=True
            ).exists()
            or User.objects.filter(email__iexact=email, is_active=True).exists()
        )
