"""Token use cases: create, revoke, record use, revoke leaked tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.events import client_ip, record_event
from accounts.models import User
from core.errors import NotAllowed, NotFound, WharfError
from core.permissions import Action, require
from organizations.models import Organization
from organizations.services import record_organization_event
from packages.models import Project
from packages.names import is_valid_name, normalize
from packages.services import record_project_event
from publishing.services import publisher_prove

from . import emails
from . import secrets as token_secrets
from .models import AccessToken, Token

MAX_SCOPE_PROJECTS = 50


def _scope_names(projects: Iterable[str]) -> list[str]:
    """The distinct normalized names of a scope, each checked to be a valid project name."""
    names: list[str] = []
    for raw in projects:
        name = str(raw).strip()
        if not name:
            continue
        if not is_valid_name(name):
            raise WharfError(
                f'"{name[:100]}" is not a valid project name: use letters, digits, ".", "_" '
                'and "-", starting and ending with a letter or digit.'
            )
        normalized = normalize(name)
        if normalized not in names:
            names.append(normalized)
    if len(names) > MAX_SCOPE_PROJECTS:
        raise WharfError(
            f"a token can name at most {MAX_SCOPE_PROJECTS} projects; "
            "use an account-wide token instead."
        )
    return names


def normalize_scope(*, user: User, projects: Iterable[str]) -> list[str]:
    """Validate and normalize the project names of a scope ([] = whole account).

    A name may be a project the user has a role on, or a name nobody registered yet
    (the token's first upload creates it). A project of someone else is refused.
    """
    names = _scope_names(projects)
    registered = set(
        Project.objects.filter(normalized_name__in=names).values_list("normalized_name", flat=True)
    )
    mine = set(
        Project.objects.filter(normalized_name__in=registered, roles__user=user).values_list(
            "normalized_name", flat=True
        )
    )
    for name in names:
        if name in registered and name not in mine:
            raise NotAllowed(
                f'you have no role on the project "{name}"; scope the token to your own '
                "projects or to a name that is not registered yet."
            )
    return names


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    projects: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[Token, str]:
    """Create a token; returns it with the raw secret, which is never shown again."""
    name = " ".join(str(name).split())
    if not name:
        raise WharfError("give the token a name, e.g. the machine or CI job that will use it.")
    if len(name) > 100:
        raise WharfError("the token name is too long: use at most 100 characters.")
    if not user.has_verified_email:
        raise NotAllowed(
            "verify an email address before creating API tokens "
            "(Account → Email addresses), so we can tell you when one is used or leaks."
        )
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at, dt.UTC)
        if expires_at <= timezone.now():
            raise WharfError("the expiry date is in the past: choose a future date or none.")
    scope = normalize_scope(user=user, projects=projects)
    public_id, raw = token_secrets.generate()
    token = Token.objects.create(
        user=user,
        name=name,
        public_id=public_id,
        secret_hash=token_secrets.hash_token(raw),
        projects=scope,
        expires_at=expires_at,
    )
    record_event(
        user=user,
        tag="account:token:created",
        request=request,
        token_id=token.pk,
        name=token.name,
        scope=token.projects,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    emails.send_token_created_email(token=token)
    return token, raw


def _record_token_event(*, token: Token, action: str, request, actor=None, **details) -> None:
    """account:token:<action> in the owner's history, or organization:token:<action>."""
    if token.is_organization_token:
        record_organization_event(
            organization=token.organization,
            tag=f"organization:token:{action}",
            actor=actor,
            request=request,
            token_id=token.pk,
            name=token.name,
            **details,
        )
    else:
        record_event(
            user=token.user,
            tag=f"account:token:{action}",
            request=request,
            token_id=token.pk,
            name=token.name,
            **details,
        )


def _locked(token: Token) -> Token:
    """The token's row again, locked until the transaction ends."""
    return (
        Token.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .get(pk=token.pk)
    )


def _stamp_revoked(token: Token | AccessToken, reason: str) -> bool:
    """Mark a locked token revoked now, for reason; whether it was active until now."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.revoked_reason = reason[:200]
    token.save(update_fields=["revoked_at", "revoked_reason"])
    return True


def _revoke(
    *, token: Token, reason: str, request: HttpRequest | None, actor=None, **details
) -> Token:
    token = _locked(token)
    if not _stamp_revoked(token, reason):
        return token
    if token.is_minted_by_publisher:  # no account or organization to tell
        return token
    _record_token_event(
        token=token,
        action="revoked",
        request=request,
        actor=actor,
        reason=token.revoked_reason,
        **details,
    )
    emails.send_token_revoked_email(token=token)
    return token


@transaction.atomic
def token_revoke(
    *, token: Token, by: User, reason: str = "revoked by its owner", request=None
) -> Token:
    """Revoke one of by's tokens; revoking twice is harmless."""
    if token.user_id != by.pk:
        # Same answer as for a token that does not exist: nothing about other accounts.
        raise NotFound("no such token: it may have been deleted; reload your token list.")
    return _revoke(token=token, reason=reason, request=request)


@transaction.atomic
def token_revoke_for_deleted_project(
    *, normalized_name: str, users: Iterable[User], request: HttpRequest | None = None
) -> list[Token]:
    """Revoke the users' tokens scoped to a deleted project (a scope names the project,
    as on PyPI, not whoever registers the freed name next)."""
    scoped = [
        token
        for token in Token.objects.filter(user__in=list(users), revoked_at__isnull=True)
        if normalized_name in token.projects
    ]
    reason = f'project "{normalized_name}" was deleted'
    return [_revoke(token=token, reason=reason, request=request) for token in scoped]


@transaction.atomic
def token_revoke_by_staff(
    *, token: Token, staff: User, reason: str, request: HttpRequest | None = None
) -> Token:
    """Staff revoke a user's token (e.g. abuse, a leak reported by mail); the owner is told."""
    if not staff.is_staff:
        raise NotAllowed("only staff can revoke another account's tokens.")
    return _revoke(
        token=token,
        reason=reason or "revoked by the index's staff",
        request=request,
        revoked_by_staff=staff.username,
    )


# "Last used" is kept to the minute: a CI job uploading a hundred files writes it once.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def token_record_use(*, token: Token | AccessToken, request: HttpRequest | None) -> None:
    """Remember when and from where an API or access token was last used (one UPDATE, no
    event), at most once a minute from one address."""
    now = timezone.now()
    ip = client_ip(request)
    recent = token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION
    if recent and token.last_used_ip == ip:
        return
    type(token).objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip


@transaction.atomic
def token_revoke_leaked(*, token: Token, url: str, source: str) -> bool:
    """Revoke a token found in public; returns whether it was still active."""
    token = _locked(token)
    was_active = _stamp_revoked(token, f"found in public ({source or 'unknown source'})")
    if token.is_minted_by_publisher:  # no account or organization to tell
        return was_active
    _record_token_event(
        token=token,
        action="leaked",
        request=None,
        url=url[:500],
        source=source[:100],
        revoked=was_active,
    )
    emails.send_token_leaked_email(token=token, url=url, source=source)
    return was_active


# --- API access tokens (short-lived, for scripts on two-factor accounts) --------------------


@transaction.atomic
def access_token_create(
    *, user: User, second_factor: str, request: HttpRequest | None = None
) -> tuple[AccessToken, str]:
    """Mint an API access token for user, who just gave the password (and second factor)."""
    public_id, raw = token_secrets.generate_access()
    token = AccessToken.objects.create(
        user=user,
        public_id=public_id,
        secret_hash=token_secrets.hash_token(raw),
        auth_hash=user.get_session_auth_hash(),
        second_factor=second_factor,
        expires_at=timezone.now() + dt.timedelta(minutes=settings.API_SESSION_TOKEN_MINUTES),
        created_ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request else "")[:500],
    )
    record_event(
        user=user,
        tag="account:access_token:created",
        request=request,
        token=public_id,
        second_factor=second_factor,
        expires_at=token.expires_at.isoformat(),
    )
    return token, raw


@transaction.atomic
def access_token_revoke(
    *,
    token: AccessToken,
    actor: User | None,
    reason: str = "revoked by its owner",
    request: HttpRequest | None = None,
) -> AccessToken:
    """End an API access token (actor None: the system); revoking twice is harmless."""
    token = AccessToken.objects.select_for_update().get(pk=token.pk)
    if _stamp_revoked(token, reason):
        record_event(
            user=token.user,
            tag="account:access_token:revoked",
            request=request,
            token=token.public_id,
            reason=token.revoked_reason,
            by=actor.username if actor is not None else "system",
        )
    return token


@transaction.atomic
def token_revoke_all(*, user: User, actor: User | None, reason: str) -> list[Token]:
    """Revoke every active API token and API access token of user on someone else's decision
    (staff, or the system); the owner is told of each API token."""
    active = Token.objects.filter(user=user, revoked_at__isnull=True)
    by = actor.username if actor is not None else "system"
    revoked = [_revoke(token=token, reason=reason, request=None, revoked_by=by) for token in active]
    for access in AccessToken.objects.filter(user=user, revoked_at__isnull=True):
        access_token_revoke(token=access, actor=actor, reason=reason)
    return revoked


@transaction.atomic
def token_mint_for_publisher(*, oidc_token: str, request: HttpRequest | None = None):
    """Exchange a CI job's OIDC token for an upload token of the publisher it proves.

    The token is scoped to the publisher's one project and lives for
    TRUSTED_PUBLISHING_TOKEN_MINUTES; the run that proved it goes into the project's
    history. Returns (token, raw secret). One transaction: a refusal leaves no trace.
    """
    proven = publisher_prove(token=oidc_token, request=request)
    public_id, raw = token_secrets.generate()
    expires_at = timezone.now() + dt.timedelta(minutes=settings.TRUSTED_PUBLISHING_TOKEN_MINUTES)
    token = Token.objects.create(
        user=None,
        name=proven.run[:100],
        public_id=public_id,
        secret_hash=token_secrets.hash_token(raw),
        projects=[proven.project.normalized_name],
        expires_at=expires_at,
        publisher=proven.publisher,
        publisher_claims={**proven.claims, "run": proven.run[:500]},
    )
    record_project_event(
        project=proven.project,
        tag="project:publisher:token_minted",
        actor=None,
        request=request,
        published_by=proven.run,
        publisher=proven.publisher.description,
        token=token.public_id,
        expires_at=expires_at.isoformat(),
        claims=proven.claims,
    )
    return token, raw


# --- organization tokens --------------------------------------------------------------------


def _clean_expiry(expires_at: dt.datetime | None) -> dt.datetime | None:
    if expires_at is None:
        return None
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at, dt.UTC)
    if expires_at <= timezone.now():
        raise WharfError("the expiry date is in the past: choose a future date or none.")
    return expires_at


@transaction.atomic
def organization_token_create(
    *,
    organization: Organization,
    actor,
    name: str,
    projects: Iterable[str] = (),
    expires_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[Token, str]:
    """An Owner or Manager creates a token of the organization; returns it with the secret.

    Its scope is all the organization's projects ([]) or a list of names, each one of the
    organization's projects or a name nobody registered yet (the first upload creates it
    for the organization).
    """
    from core.principals import as_principal

    require(actor, Action.ORGANIZATION_TOKEN_CREATE, organization)
    name = " ".join(str(name).split())
    if not name:
        raise WharfError("give the token a name, e.g. the CI job that will use it.")
    if len(name) > 100:
        raise WharfError("the token name is too long: use at most 100 characters.")
    expires_at = _clean_expiry(expires_at)
    scope = _scope_names(projects)
    foreign = Project.objects.filter(normalized_name__in=scope).exclude(organization=organization)
    for project in foreign.order_by("normalized_name")[:1]:
        raise NotAllowed(
            f'the project "{project.normalized_name}" does not belong to organization '
            f"'{organization.name}': scope the token to the organization's projects or to a "
            "name that is not registered yet (or transfer the project in first)."
        )
    public_id, raw = token_secrets.generate()
    token = Token.objects.create(
        organization=organization,
        created_by=as_principal(actor).user,
        name=name,
        public_id=public_id,
        secret_hash=token_secrets.hash_token(raw),
        projects=scope,
        expires_at=expires_at,
    )
    _record_token_event(
        token=token,
        action="created",
        request=request,
        actor=actor,
        scope=token.projects,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    emails.send_token_created_email(token=token)
    return token, raw


@transaction.atomic
def token_burn_minted(*, raw: str, request: HttpRequest | None = None) -> bool:
    """Revoke a publisher-minted token its CI job is done with; unknown tokens are ignored."""
    parsed = token_secrets.parse(raw)
    if parsed is None:
        return False
    token = Token.objects.filter(
        public_id=parsed.public_id, user__isnull=True, organization__isnull=True
    ).first()
    if token is None or not token_secrets.matches(parsed.raw, token.secret_hash):
        return False
    if not token.is_revoked:
        Token.objects.filter(pk=token.pk).update(
            revoked_at=timezone.now(), revoked_reason="burned by its CI job after publishing"
        )
    return True


@transaction.atomic
def token_revoke_minted(
    *, token: Token, actor, project, request: HttpRequest | None = None
) -> Token:
    """An Owner revokes a token a trusted publisher minted for project, before it expires."""
    require(actor, Action.MANAGE_PUBLISHERS, project)
    if not token.is_minted_by_publisher or project.normalized_name not in token.projects:
        raise NotFound("no such token for this project: reload the page.")
    token = _revoke(token=token, reason="revoked by an Owner of the project", request=request)
    record_project_event(
        project=project,
        tag="project:publisher:token_revoked",
        actor=getattr(actor, "user", actor),
        request=request,
        token=token.public_id,
        published_by=token.publisher_claims.get("run", token.name),
    )
    return token


def organization_token_revoke(*, token: Token, actor, request: HttpRequest | None = None) -> Token:
    """An Owner or Manager of the token's organization revokes it."""
    if token.organization_id is None:
        raise NotFound("no such organization token: reload the organization's token list.")
    require(actor, Action.ORGANIZATION_MANAGE_TOKENS, token.organization)
    from core.principals import as_principal

    return _revoke(
        token=token,
        reason=f"revoked by {as_principal(actor).label}",
        request=request,
        actor=actor,
    )
