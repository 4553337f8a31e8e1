"""Who is acting: one Principal per request, whatever the way in.

`tokens.authentication` is the one resolver that turns a request into a Principal (a browser
session, HTTP Basic with a password, an API token, a short-lived API access token, an
organization token or a trusted publisher); `core.permissions.can()` is the one place that
decides what a principal may do. This module holds only the value both sides share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ANONYMOUS = "anonymous"
    SESSION = "session"  # a signed-in browser
    PASSWORD = "password"  # HTTP Basic: username or email + password (+ X-OTP)
    API_TOKEN = "api_token"  # an upload token belonging to a user
    ACCESS_TOKEN = "access_token"  # a short-lived API token minted with password + 2FA
    ORGANIZATION_TOKEN = "organization_token"  # an upload token belonging to an organization
    PUBLISHER = "publisher"  # a CI job through trusted publishing
    SYSTEM = "system"  # code acting for a user it was handed (tasks, management commands)


# Kinds that carry an upload token: they may upload and do nothing else.
UPLOAD_TOKEN_KINDS = frozenset({Kind.API_TOKEN, Kind.ORGANIZATION_TOKEN, Kind.PUBLISHER})


@dataclass
class Principal:
    """Who is acting and how they proved it; facts only, the rules are in core.permissions."""

    kind: Kind
    # The account acting (None for anonymous, organization tokens and publishers).
    user: Any = None
    # The token row behind it (API token, access token, organization token, publisher token).
    token: Any = None
    # Normalized project names the token is limited to; None: everything its owner may do.
    scope: frozenset[str] | None = None
    # For organization tokens and organization publishers: the owning organization.
    organization: Any = None
    # For a trusted publisher: a short description ("GitHub example/repo, release.yml").
    publisher: str = ""
    # A second factor was passed (a verified session, an X-OTP code, an access token).
    second_factor: bool = False
    # The password (and second factor) were entered moments ago (see accounts.reauth).
    recently_authenticated: bool = False

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(kind=Kind.ANONYMOUS)

    @classmethod
    def system(cls, user: Any) -> Principal:
        """Code acting for user after the interface checked who they are (tasks, commands)."""
        return cls(kind=Kind.SYSTEM, user=user, second_factor=True, recently_authenticated=True)

    @property
    def is_authenticated(self) -> bool:
        return self.kind != Kind.ANONYMOUS

    @property
    def is_upload_token(self) -> bool:
        return self.kind in UPLOAD_TOKEN_KINDS

    @property
    def has_two_factor(self) -> bool:
        """Whether the acting account has a second factor set up (not whether it was used)."""
        return self.user is not None and bool(getattr(self.user, "has_two_factor", False))

    @property
    def label(self) -> str:
        """Who this is, in words, for messages and audit events."""
        if self.kind == Kind.ANONYMOUS:
            return "an anonymous visitor"
        if self.kind == Kind.PUBLISHER:
            return f"trusted publisher {self.publisher}"
        if self.kind in (Kind.API_TOKEN, Kind.ORGANIZATION_TOKEN) and self.token is not None:
            return f"token “{self.token.name}”"
        return str(self.user)


def as_principal(actor: Any) -> Principal:
    """actor itself if it is a Principal; a user handed to a service acts as SYSTEM for them."""
    if isinstance(actor, Principal):
        return actor
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Principal.anonymous()
    return Principal.system(actor)


def current(request: Any) -> Principal:
    """The request's principal, resolved now (its credentials may be refused here)."""
    principal = request.principal
    if not isinstance(principal, Principal):  # evaluates the lazy value the resolver set
        raise TypeError("request.principal is not a Principal: is PrincipalMiddleware on?")
    return principal


def basic_upload_endpoint(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an upload endpoint: its request.principal comes from HTTP Basic, not the session."""
    view.basic_upload_endpoint = True  # type: ignore[attr-defined]
    return view
