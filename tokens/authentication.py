"""The one resolver: every request becomes one Principal (core.principals) here.

- Web pages: the signed-in session (its second-factor and re-authentication state), set
  as `request.principal` by PrincipalMiddleware.
- `/legacy/` (views marked with core.principals.basic_upload_endpoint): HTTP Basic with
  `__token__` + an API token, or username + password where policy allows.
- `/api/v1/`: HTTP Basic with username + password (+ X-OTP for two-factor accounts), or
  `Authorization: Bearer <API access token>`, or the browser session (with CSRF).

HTTP Basic is parsed only here. What a principal may do is decided by core.permissions.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.adapter import sign_in_failure_key
from accounts.events import client_ip
from accounts.reauth import is_recently_authenticated
from accounts.twofactor.verification import verify_api_code
from core import limits
from core.errors import NotAllowed, Unauthenticated, WharfError
from core.permissions import tokens_are_for_uploads
from core.principals import Kind, Principal
from core.queries import one_or_none
from core.urls import absolute_url

from . import secrets as token_secrets
from .models import AccessToken, Token
from .services import token_record_use

MALFORMED_BASIC = "malformed Basic credentials: send base64 of 'username:password'."


def parse_basic(request: HttpRequest) -> tuple[str, str] | None:
    """The (username, password) of an HTTP Basic header; None when there is none."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise NotAllowed(MALFORMED_BASIC) from error
    if "\x00" in decoded or ":" not in decoded:
        # No account has a NUL, and PostgreSQL would refuse the lookup.
        raise NotAllowed(MALFORMED_BASIC)
    username, _, password = decoded.partition(":")
    return username, password


def _tokens_url() -> str:
    return absolute_url("tokens:list")


# --- principals ---------------------------------------------------------------------------


def principal_for_session(request: HttpRequest) -> Principal:
    """The signed-in browser session, or anonymous."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Principal.anonymous()
    return Principal(
        kind=Kind.SESSION,
        user=user,
        second_factor=bool(getattr(user, "is_verified", lambda: False)()),
        recently_authenticated=is_recently_authenticated(request),
    )


def principal_for_token(token: Token) -> Principal:
    """What an API token may act as: its owner, limited to its scope.

    An organization token acts for its organization (no person): the organization's
    projects, limited to its scope; whoever created it may have left since.
    """
    if token.organization_id is not None:
        return Principal(
            kind=Kind.ORGANIZATION_TOKEN,
            token=token,
            organization=token.organization,
            scope=frozenset(token.projects) if token.projects else None,
        )
    if token.is_minted_by_publisher:
        # A CI job's token from POST /_/oidc/mint-token: the publisher, on its one project.
        return Principal(
            kind=Kind.PUBLISHER,
            token=token,
            scope=frozenset(token.projects),
            publisher=token.publisher_claims.get("run") or token.name,
        )
    return Principal(
        kind=Kind.API_TOKEN,
        user=token.user,
        token=token,
        scope=frozenset(token.projects) if token.projects else None,
    )


def authenticate_upload_token(secret: str, request: HttpRequest | None) -> Principal:
    """The principal behind an API token, or NotAllowed saying exactly what is wrong with it."""
    if token_secrets.parse_access(secret) is not None:
        raise NotAllowed(
            "this is an API access token, which calls the API but never uploads: upload with "
            f"username __token__ and an API token from {_tokens_url()}"
        )
    parsed = token_secrets.parse(secret)
    if parsed is None:
        raise NotAllowed(
            "the password is not a valid API token: paste the whole token, starting with "
            f'"{token_secrets.prefix()}", as the password, with the username __token__.'
        )
    token = one_or_none(
        Token.objects.select_related("user", "organization").filter(public_id=parsed.public_id)
    )
    # Whether the id exists is not revealed: an unknown id and a wrong secret read the same.
    if token is None or not token_secrets.matches(parsed.raw, token.secret_hash):
        raise NotAllowed(
            "this API token does not exist (it was deleted, or mistyped): "
            f"create a new one at {_tokens_url()}"
        )
    if token.is_minted_by_publisher and not token.is_active:
        raise NotAllowed(
            f"this trusted-publishing token {token.status_label} (they live "
            f"{settings.TRUSTED_PUBLISHING_TOKEN_MINUTES} minutes): mint a new one with the CI "
            f"job's OIDC token at {absolute_url('tokens:oidc_mint')} (re-run the job)."
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
    if token.user is not None and not token.user.is_active:
        raise NotAllowed("the account that owns this API token is disabled; contact support.")
    token_record_use(token=token, request=request)
    return principal_for_token(token)


def _refuse_web_pages(request: HttpRequest) -> None:
    """Uploads come from clients like twine, never from a form on a web page.

    A browser that once answered the Basic prompt sends the credentials by itself, and this
    endpoint has no CSRF token: another site's form would upload in the user's name. Browsers
    say where a request comes from (Origin, Sec-Fetch-Site); upload clients send neither.
    """
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if fetch_site in ("cross-site", "same-site") or (origin and origin != settings.SITE_URL):
        raise NotAllowed(
            "uploads are not accepted from web pages: upload with twine "
            f"(twine upload --repository-url {absolute_url('packages:legacy-upload')} dist/*)."
        )


def _password_user(request: HttpRequest, username: str, password: str, limit: str) -> Any:
    """The active account these credentials name, counting failures under limit_ip/account."""
    keys = [(f"{limit}_ip", client_ip(request) or "unknown")]
    keys.append((f"{limit}_account", sign_in_failure_key(username)))
    for name, key in keys:
        limits.check(name, key, message=_too_many(limit))
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        for name, key in keys:
            limits.hit(name, key)
        return None
    limits.reset(f"{limit}_account", keys[1][1])
    return user


def _too_many(limit: str) -> str:
    if limit == "upload_auth":
        return (
            "too many failed sign-ins for uploads: wait 5 minutes, then check the username "
            "and password (or use an API token)."
        )
    return (
        "too many failed sign-ins to the API: wait a few minutes, then check the username, "
        "password and X-OTP code."
    )


def principal_for_upload(request: HttpRequest) -> Principal:
    """The uploader named by the request's HTTP Basic credentials, or a refusal saying why."""
    _refuse_web_pages(request)
    credentials = parse_basic(request)
    if credentials is None or not request.META.get("HTTP_AUTHORIZATION", "").split()[1:]:
        raise Unauthenticated(
            "authentication required: upload with username __token__ and an API token as "
            "the password (or your username and password where allowed)."
        )
    username, password = credentials
    if username == "__token__":
        return authenticate_upload_token(password, request)
    if token_secrets.looks_like_token(password):
        # A token sent with a real username: say so, without checking the account's password.
        raise NotAllowed(
            "the password is an API token, so the username must be __token__ "
            f"(not '{username[:100]}'): upload with -u __token__ -p <token>."
        )
    if not settings.PASSWORD_UPLOADS_ALLOWED:
        raise NotAllowed(
            "uploading with a password is turned off on this index: create an API token at "
            f"{_tokens_url()} and upload with username __token__."
        )
    user = _password_user(request, username, password, "upload_auth")
    if user is None:
        raise NotAllowed(
            "invalid username or password: check them, or upload with username __token__ "
            f"and an API token from {_tokens_url()}"
        )
    if user.has_two_factor:
        raise NotAllowed(
            f"user '{user.username}' has two-factor authentication on, so uploads need an API "
            f"token: create one at {_tokens_url()} and upload with username __token__."
        )
    return Principal(kind=Kind.PASSWORD, user=user, recently_authenticated=True)


def principal_for_api_password(
    request: HttpRequest, username: str, password: str, *, factor_in_body: bool = False
) -> Principal:
    """HTTP Basic to the API: the password, and for a two-factor account a code in X-OTP.

    With factor_in_body (minting an access token), a two-factor account may leave X-OTP out:
    the principal then has no second factor yet and the view verifies a security-key
    assertion from the body before doing anything.
    """
    if username == "__token__" or token_secrets.looks_like_token(password):
        raise Unauthenticated(tokens_are_for_uploads())
    user = _password_user(request, username, password, "api_auth")
    if user is None:
        raise Unauthenticated(
            "wrong username or password: check them, or reset the password on the website."
        )
    if not user.has_two_factor:
        return Principal(kind=Kind.PASSWORD, user=user, recently_authenticated=True)
    if factor_in_body and not request.META.get("HTTP_X_OTP", "").strip():
        return Principal(kind=Kind.PASSWORD, user=user, second_factor=False)
    device = verify_api_code(user, request.META.get("HTTP_X_OTP", ""))
    user.otp_device = device
    return Principal(kind=Kind.PASSWORD, user=user, second_factor=True, recently_authenticated=True)


def principal_for_access_token(raw: str, request: HttpRequest) -> Principal:
    """An API access token (Bearer): its account, as verified when it was minted."""
    parsed = token_secrets.parse_access(raw)
    if parsed is None:
        if token_secrets.parse(raw) is not None:
            raise Unauthenticated(tokens_are_for_uploads())
        raise Unauthenticated(
            "the Bearer token is not an API access token: get one from POST "
            "/api/v1/auth/session-token/ with your password (and X-OTP)."
        )
    token = AccessToken.objects.select_related("user").filter(public_id=parsed.public_id).first()
    if token is None or not token_secrets.matches(parsed.raw, token.secret_hash):
        raise Unauthenticated(
            "this API access token does not exist: get a new one from POST "
            "/api/v1/auth/session-token/."
        )
    refusal = token.refusal()
    if refusal:
        raise Unauthenticated(
            f"this API access token {refusal}: get a new one from POST /api/v1/auth/session-token/."
        )
    token_record_use(token=token, request=request)
    return Principal(
        kind=Kind.ACCESS_TOKEN,
        user=token.user,
        token=token,
        second_factor=bool(token.second_factor),
        recently_authenticated=token.is_fresh,
    )


# --- interfaces ---------------------------------------------------------------------------


class PrincipalMiddleware:
    """Sets request.principal: the session for pages, HTTP Basic for upload endpoints."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.principal = SimpleLazyObject(lambda: principal_for_session(request))
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if getattr(view_func, "basic_upload_endpoint", False):
            # Resolved when the view first reads it, so its refusal is the view's answer.
            request.principal = SimpleLazyObject(lambda: principal_for_upload(request))


def _api_failure(error: WharfError) -> exceptions.APIException:
    if isinstance(error, Unauthenticated):
        return exceptions.AuthenticationFailed(error.message)
    return error  # type: ignore[return-value] - WharfErrors are mapped by core.api


class ApiAuthentication(BaseAuthentication):
    """HTTP Basic (password + X-OTP) or Bearer (API access token) for /api/v1/."""

    www_authenticate_realm = "Wharf API"

    def __init__(self, *, factor_in_body: bool = False) -> None:
        self.factor_in_body = factor_in_body

    def authenticate(self, request) -> tuple[Any, Principal] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None
        scheme = header[0].lower()
        try:
            if scheme == b"bearer":
                raw = header[1].decode("latin-1") if len(header) > 1 else ""
                principal = principal_for_access_token(raw, request._request)
            elif scheme == b"basic":
                try:
                    credentials = parse_basic(request._request)
                except NotAllowed as error:
                    raise Unauthenticated(error.message) from error
                if credentials is None:
                    return None
                principal = principal_for_api_password(
                    request._request, *credentials, factor_in_body=self.factor_in_body
                )
            else:
                if any(part.startswith(token_secrets.prefix().encode()) for part in header):
                    raise Unauthenticated(tokens_are_for_uploads())
                return None
        except WharfError as error:
            raise _api_failure(error) from error
        return (principal.user, principal)

    def authenticate_header(self, request) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class ApiBasicScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.ApiAuthentication"
    name = ["basicAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        # Either scheme, not both: a list of requirements is OpenAPI's "or".
        return [{"basicAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "basic",
                "description": "Username (or email) and password; accounts with two-factor "
                "authentication add the X-OTP header with a current authenticator-app code. "
                "Upload (API) tokens are refused.",
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API access token from POST /api/v1/auth/session-token/ "
                "(short-lived; never accepted for uploads).",
            },
        ]
