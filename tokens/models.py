from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.errors import NotAllowed


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
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
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

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

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
    def scope_label(self) -> str:
        if self.is_account_wide:
            return "whole account"
        return ", ".join(self.projects)

    def _scope_quoted(self) -> str:
        return ", ".join(f'"{name}"' for name in self.projects)

    def check_upload_allowed(self, *, normalized_name: str, project_exists: bool) -> None:
        """Raise NotAllowed unless this token's scope covers an upload to the project.

        An account-wide token covers every project, new ones included; a project-scoped
        token covers only the names in its scope, and may create a project it names.
        The owner's current role is checked separately (packages.permissions).
        """
        if self.is_account_wide or normalized_name in self.projects:
            return
        if project_exists:
            raise NotAllowed(
                f"the token is scoped to {self._scope_quoted()}; it cannot upload to "
                f'"{normalized_name}". Use a token scoped to "{normalized_name}" or an '
                "account-wide token."
            )
        raise NotAllowed(
            f"the token is scoped to {self._scope_quoted()}; it cannot create the new project "
            f'"{normalized_name}". Create a token scoped to "{normalized_name}" (or an '
            "account-wide token) to register it."
        )
