"""Organizations: a company or community that owns projects, with members, teams and history.

Projects, team roles on projects and organization tokens live in the apps above this one
(packages, tokens); this app knows only accounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.invitations import Invitation
from accounts.models import AuditEvent

OWNER = "Owner"
MANAGER = "Manager"
MEMBER = "Member"


class OrganizationQuerySet(models.QuerySet):
    def for_name(self, name: str) -> OrganizationQuerySet:
        """The organization whose normalized name matches name's."""
        from core.names import normalize

        return self.filter(normalized_name=normalize(name))

    def active(self) -> OrganizationQuerySet:
        return self.filter(status=Organization.Status.ACTIVE)

    def of_user(self, user) -> OrganizationQuerySet:
        """Organizations user belongs to (any role), by name."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(roles__user=user).order_by("normalized_name")


class Organization(models.Model):
    """An organization; its normalized name (PEP 503, like projects) is unique."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        DEACTIVATED = "deactivated", "Deactivated"

    name = models.CharField(max_length=100)
    normalized_name = models.CharField(max_length=100, unique=True)
    display_name = models.CharField(max_length=200)
    link = models.URLField(max_length=500, blank=True)
    description = models.TextField(max_length=5000, blank=True)
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Staff's words when declining or deactivating (mailed to the Owners).
    status_message = models.CharField(max_length=1000, blank=True)
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Members without two-factor authentication cannot upload or manage projects.",
    )
    show_members = models.BooleanField(
        default=False, help_text="List the members on the public organization page."
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def role_of(self, user) -> str | None:
        """The user's role in the organization ("Owner", "Manager", "Member") or None."""
        if user is None or not getattr(user, "is_authenticated", False) or self.pk is None:
            return None
        return (
            OrganizationRole.objects.filter(organization=self, user=user)
            .values_list("role", flat=True)
            .first()
        )


class OrganizationRole(models.Model):
    """A user's membership of an organization, with their role in it."""

    class Kind(models.TextChoices):
        OWNER = OWNER, "Owner"
        MANAGER = MANAGER, "Manager"
        MEMBER = MEMBER, "Member"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_roles"
    )
    role = models.CharField(max_length=20, choices=Kind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="organizations_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.organization}"


class OrganizationInvitation(Invitation):
    """A pending invitation for a user to join an organization; expires."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_invitations"
    )
    role = models.CharField(max_length=20, choices=OrganizationRole.Kind.choices)

    class Meta(Invitation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "invitee"], name="organizations_invitation_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} invited as {self.role} of {self.organization}"


class Team(models.Model):
    """A group of an organization's members; packages.TeamProjectRole gives it project roles."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    normalized_name = models.CharField(max_length=100)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "normalized_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "normalized_name"], name="organizations_team_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}/{self.name}"


class TeamMember(models.Model):
    """A user's membership of a team (they are a member of the team's organization)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], name="organizations_team_member_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class OrganizationEvent(AuditEvent):
    """One line of an organization's history, tagged `organization:<subject>:<action>`."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["organization", "-created"])]

    def __str__(self) -> str:
        return f"{self.tag} ({self.organization})"
