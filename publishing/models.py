"""Trusted publishers: the CI jobs (GitHub Actions, GitLab CI, any trusted OIDC issuer) that
may publish a project without a stored secret, and the JWT ids already exchanged.

A publisher belongs to a project, or is *pending*: registered for a name nobody owns yet, by
a user who becomes the Owner when its first token exchange creates the project, or for an
organization, whose project it then becomes (no personal Owner, as with its tokens).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PublisherQuerySet(models.QuerySet):
    def usable(self) -> PublisherQuerySet:
        """Publishers of a project, and pending ones that have not expired."""
        return self.filter(
            models.Q(project__isnull=False) | models.Q(expires_at__gt=timezone.now())
        )

    def pending(self) -> PublisherQuerySet:
        """Pending publishers (for a name not registered yet) that have not expired."""
        return self.filter(project__isnull=True, expires_at__gt=timezone.now())

    def for_project_name(self, normalized_name: str) -> PublisherQuerySet:
        """The publishers of the project with this name, or pending ones for it."""
        return self.filter(
            models.Q(project__normalized_name=normalized_name)
            | models.Q(project__isnull=True, project_name=normalized_name)
        )


class Publisher(models.Model):
    """A CI workflow trusted to publish one project (or to create it, while pending)."""

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub Actions"
        GITLAB = "gitlab", "GitLab CI/CD"
        GENERIC = "generic", "OpenID Connect"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    issuer = models.CharField(max_length=300)
    project = models.ForeignKey(
        "packages.Project",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publishers",
    )
    # The normalized name it publishes: the project's, or the one a pending publisher claims.
    project_name = models.CharField(max_length=200, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Pending publishers registered for an organization: the project is created in it.
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="publishers",
    )
    created = models.DateTimeField(default=timezone.now)
    # Pending publishers only: the registration lapses if no CI job used it by then.
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # GitHub: owner/repository, the workflow file, an optional environment; the numeric ids
    # are recorded at first use, so a renamed-and-recreated repository cannot inherit it.
    owner = models.CharField(max_length=100, blank=True)
    owner_id = models.CharField(max_length=40, blank=True)
    repository = models.CharField(max_length=100, blank=True)
    repository_id = models.CharField(max_length=40, blank=True)
    workflow = models.CharField(max_length=255, blank=True)
    # GitLab: namespace/project, the CI config file (an optional environment as above).
    namespace = models.CharField(max_length=255, blank=True)
    gitlab_project = models.CharField(max_length=255, blank=True)
    ci_config_path = models.CharField(max_length=255, blank=True)
    environment = models.CharField(max_length=255, blank=True)
    # Generic OIDC: a pattern the `sub` claim must match (* matches anything), plus claims
    # that must be equal.
    subject = models.CharField(max_length=500, blank=True)
    claims = models.JSONField(default=dict, blank=True)

    objects = PublisherQuerySet.as_manager()

    class Meta:
        ordering = ["project_name", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.description} → {self.project_name}"

    @property
    def is_pending(self) -> bool:
        return self.project_id is None

    @property
    def is_expired(self) -> bool:
        return self.is_pending and self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def description(self) -> str:
        """What this publisher trusts, in words ("GitHub example/repo, release.yml")."""
        environment = f", environment {self.environment}" if self.environment else ""
        if self.kind == self.Kind.GITHUB:
            return f"GitHub {self.owner}/{self.repository}, {self.workflow}{environment}"
        if self.kind == self.Kind.GITLAB:
            where = "" if self.issuer == "https://gitlab.com" else f" on {self.issuer}"
            return (
                f"GitLab {self.namespace}/{self.gitlab_project}, {self.ci_config_path}"
                f"{environment}{where}"
            )
        extra = "".join(f", {key}={value}" for key, value in sorted(self.claims.items()))
        return f"OIDC {self.issuer}, sub {self.subject}{extra}"


class ExchangedToken(models.Model):
    """A JWT already exchanged for an upload token: its `jti` can never be used again.

    The unique constraint refuses a replay even from another process at the same moment.
    """

    issuer = models.CharField(max_length=300)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "jti"], name="publishing_jti_once"),
        ]

    def __str__(self) -> str:
        return f"{self.jti} ({self.issuer})"
