"""Who is calling: API tokens for uploads, and username/password (+ X-OTP) for the API.

An API token authenticates uploads only. The DRF API refuses it outright, so a leaked
upload token can never list or mint more tokens.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.adapter import sign_in_failure_key
from accounts.events import client_ip
from accounts.twofactor import user_has_two_factor, verify_code
from core.errors import NotAllowed

from . import secrets as token_secrets
from .models import Token
from .services import token_record_use

if TYPE_CHECKING:
    from packages.upload import Uploader

TOKENS_ARE_FOR_UPLOADS = (
    "API tokens are for uploads only (twine to /legacy/) and cannot call the API. "
    "Use your username and password with HTTP Basic (plus a code from your authenticator "
    "app in the X-OTP header when two-factor authentication is on), or a signed-in browser."
)


def _tokens_url() -> str:
    return f"{settings.SITE_URL}/manage/account/tokens/"


def authenticate_upload_token(secret: str, request: HttpRequest | None) -> Uploader:
    """The uploader behind an API token, or NotAllowed saying exactly what is wrong with it."""
    from packages.upload import Uploader

    parsed = token_secrets.parse(secret)
    if parsed is None:
        raise NotAllowed(
            "the password is not a valid API token: paste the whole token, starting with "
            f'"{token_secrets.prefix()}", as the password, with the username __token__.'
        )
    token = Token.objects.select_related("user").filter(public_id=parsed.public_id).first()
    # Whether the id exists is not revealed: an unknown id and a wrong secret read the same.
    if token is None or not token_secrets.matches(parsed.raw, token.secret_hash):
        raise NotAllowed(
            "this API token does not exist (it was deleted, or mistyped): "
            f"create a new one at {_tokens_url()}"
        )
    if token.is_revoked:
        raise NotAllowed(
            f"this API token was revoked on {token.revoked_at:%Y-%m-%d} "
            f"({token.revoked_reason or 'no reason given'}): create a new one at {_tokens_url()}"
        )
    if token.is_expired:
        raise NotAllowed(
            f"this API token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: "
            f"create a new one at {_tokens_url()}"
        )
    if not token.user.is_active:
        raise NotAllowed("the account that owns this API token is disabled; contact support.")
    token_record_use(token=token, request=request)
    return Uploader(user=token.user, token=token)


class AuthFailureLimiter:
    """Counts failed API sign-ins per IP and per username in the cache, and stops guessing.

    DRF throttles run after authentication, so failures are counted here instead.
    """

    window = 5 * 60
    per_ip = 20
    per_username = 10

    def __init__(self, request: HttpRequest, username: str) -> None:
        # Per account, so naming it by username and by each address share one allowance.
        self.keys = [
            (f"api-auth-fail:ip:{client_ip(request)}", self.per_ip),
            (f"api-auth-fail:{sign_in_failure_key(username)}", self.per_username),
        ]

    def check(self) -> None:
        for key, limit in self.keys:
            if (cache.get(key) or 0) >= limit:
                raise exceptions.Throttled(
                    wait=self.window,
                    detail=(
                        "too many failed sign-ins to the API: wait a few minutes, then check "
                        "the username, password and X-OTP code."
                    ),
                )

    def fail(self) -> None:
        for key, _limit in self.keys:
            if not cache.add(key, 1, self.window):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.add(key, 1, self.window)


def _verify_otp(user, code: str):
    """The TOTP device that accepts code, or None (as the sign-in step checks it)."""
    return verify_code(user, "totp", code)


MALFORMED_BASIC = "malformed Basic credentials: send base64 of 'username:password'."


class ApiBasicAuthentication(BaseAuthentication):
    """HTTP Basic with username (or email) + password, plus `X-OTP` for 2FA accounts."""

    www_authenticate_realm = "Wharf API"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        prefix = token_secrets.prefix().encode()
        if header[0].lower() != b"basic":
            if any(part.startswith(prefix) for part in header):
                raise exceptions.AuthenticationFailed(TOKENS_ARE_FOR_UPLOADS)
            return None
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
            username, _, password = decoded.partition(":")
        except (IndexError, binascii.Error, UnicodeDecodeError) as error:
            raise exceptions.AuthenticationFailed(MALFORMED_BASIC) from error
        if "\x00" in decoded:  # no account has one, and PostgreSQL would refuse the lookup
            raise exceptions.AuthenticationFailed(MALFORMED_BASIC)
        if username == "__token__" or token_secrets.looks_like_token(password):
            raise exceptions.AuthenticationFailed(TOKENS_ARE_FOR_UPLOADS)
        limiter = AuthFailureLimiter(request, username)
        limiter.check()
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            limiter.fail()
            raise exceptions.AuthenticationFailed(
                "wrong username or password: check them, or reset the password on the website."
            )
        if user_has_two_factor(user):
            code = request.META.get("HTTP_X_OTP", "").strip()
            if not code:
                raise exceptions.AuthenticationFailed(
                    "this account has two-factor authentication: send a current code from "
                    "your authenticator app in the X-OTP header."
                )
            device = _verify_otp(user, code)
            if device is None:
                limiter.fail()
                raise exceptions.AuthenticationFailed(
                    "the X-OTP code is wrong or expired: send the current code from your "
                    "authenticator app (an account without one must use a browser session)."
                )
            user.otp_device = device
        return (user, None)

    def authenticate_header(self, request) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class ApiBasicScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.ApiBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Username (or email) and password; 2FA accounts add an X-OTP header "
            "with a current authenticator-app code. API tokens are refused.",
        }
