from __future__ import annotations

import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone


class TokenQuerySet(models.QuerySet):
    def active(self) -> TokenQuerySet:
        """Tokens that are neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True).exclude(expires_at__lte=timezone.now())

    def for_user(self, user) -> TokenQuerySet:
        """The user's tokens, newest first."""
        return self.filter(user=user).order_by("-created", "-id")

    def able_to_upload_to(self, normalized_name: str) -> TokenQuerySet:
        """Active tokens whose scope covers the project (account-wide or naming it)."""
        # JSON containment is not portable to SQLite; scopes are short, filter in Python.
        ids = [
            t.pk
            for t in self.active().only("pk", "projects")
            if not t.projects or normalized_name in t.projects
        ]
        return self.filter(pk__in=ids)


class Token(models.Model):
    """An API token. Only a hash of the secret is stored; `public_id` finds it in O(1).

    Scope: `projects` lists normalized project names (a name may not be registered yet);
    an empty list means the whole account.

    An organization token has `organization` set and no `user`: it belongs to the
    organization (its scope: the organization's projects), not to whoever created it.
    """

    # None for a token minted by a trusted publisher: a CI job, not a person, holds it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tokens",
    )
    # Who created an organization token (kept for the record; the token outlives them).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(max_length=100)
    public_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=128)
    projects = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)
    # Minted by a trusted publisher (POST /_/oidc/mint-token): scoped to its one project,
    # valid for minutes, with the claims of the CI token that proved it.
    publisher = models.ForeignKey(
        "publishing.Publisher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="minted_tokens",
    )
    publisher_claims = models.JSONField(default=dict, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                # A person's, an organization's, or (neither) a trusted publisher's.
                condition=models.Q(user__isnull=True) | models.Q(organization__isnull=True),
                name="tokens_token_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user or self.organization or 'trusted publisher'})"

    @property
    def is_minted_by_publisher(self) -> bool:
        return self.user_id is None and self.organization_id is None

    @property
    def is_organization_token(self) -> bool:
        return self.organization_id is not None

    @property
    def is_account_wide(self) -> bool:
        return not self.projects

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "active"

    @property
    def status_label(self) -> str:
        """ "was revoked on …" or "expired on …", for refusals."""
        if self.is_revoked:
            return f"was revoked on {self.revoked_at:%Y-%m-%d %H:%M} UTC"
        return f"expired on {self.expires_at:%Y-%m-%d %H:%M} UTC"

    @property
    def scope_label(self) -> str:
        if self.is_account_wide:
            return "all organization projects" if self.is_organization_token else "whole account"
        return ", ".join(self.projects)


class AccessTokenQuerySet(models.QuerySet):
    def for_user(self, user) -> AccessTokenQuerySet:
        """The user's API access tokens, newest first."""
        return self.filter(user=user).order_by("-created", "-id")

    def active(self) -> AccessTokenQuerySet:
        """Neither revoked nor expired (a changed password is checked on use)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class AccessToken(models.Model):
    """A short-lived token for the API, minted with the password and the second factor.

    It calls /api/v1/ as its user and never uploads. It dies when it expires, when it is
    revoked, and when the password changes (the password hash it was minted under is kept as
    a digest, as Django does for sessions).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    public_id = models.CharField(max_length=32, unique=True)
    secret_hash = models.CharField(max_length=128)
    # Django's session hash of the user when minted: a password change invalidates it.
    auth_hash = models.CharField(max_length=128)
    second_factor = models.CharField(max_length=20, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    created_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"API access token {self.public_id} ({self.user})"

    @property
    def password_changed(self) -> bool:
        return not hmac.compare_digest(self.auth_hash, self.user.get_session_auth_hash())

    @property
    def is_fresh(self) -> bool:
        """Minted within REAUTH_MAX_AGE: it still counts as a fresh password check."""
        age = (timezone.now() - self.created).total_seconds()
        return 0 <= age <= settings.REAUTH_MAX_AGE

    @property
    def is_active(self) -> bool:
        return not self.refusal()

    def refusal(self) -> str:
        """Why the token can no longer be used ("" while it can)."""
        if self.revoked_at is not None:
            return f"was revoked ({self.revoked_reason or 'no reason given'})"
        if self.expires_at <= timezone.now():
            return f"expired at {self.expires_at:%Y-%m-%d %H:%M} UTC"
        if not self.user.is_active:
            return "belongs to a disabled account"
        if self.password_changed:
            return "ended when the account's password changed"
        return ""
