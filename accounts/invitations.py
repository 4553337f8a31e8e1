"""What an invitation to a project and one to an organization share.

A project's `packages.RoleInvitation` and an organization's
`organizations.OrganizationInvitation` offer a user a role in a place. Both reach the invitee
by mail, so only someone with a verified address can be invited; both expire; a new one
replaces an expired one but never a pending one; and only the invitee takes one up, while it
is fresh. Each app keeps its own table, roles and events; the rules live here once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.errors import Conflict, NotAllowed, WharfError

from .models import User


class Invitation(models.Model):
    """The fields every invitation has besides its place, its invitee and its role."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["-created"]

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


def expiry(days: int):
    """When an invitation sent now lapses."""
    return timezone.now() + timedelta(days=days)


def make_way(invitee: User, *, already: str | None, existing: Invitation | None) -> None:
    """Refuse an invitation that could not reach the invitee or repeats one still pending.

    already: why the invitee needs no invitation (they hold a role there), or None.
    existing: the invitee's earlier invitation to the same place; an expired one is removed.
    """
    if not invitee.has_verified_email:
        raise WharfError(
            f"{invitee.username} has no verified email address, so the invitation could not "
            "reach them: ask them to verify one, then invite them again."
        )
    if already:
        raise Conflict(already)
    if existing is not None:
        if not existing.is_expired:
            raise Conflict(
                f"{invitee.username} already has a pending invitation: revoke it to send another."
            )
        existing.delete()


def check_pending(invitation: Invitation, user: User, place: str) -> None:
    """The invitation is user's and still fresh (an expired one is removed); place: its name."""
    if invitation.invitee_id != user.pk:
        raise NotAllowed("this invitation is for another account: sign in as the invited user.")
    if invitation.is_expired:
        invitation.delete()
        raise WharfError(
            f"this invitation to '{place}' has expired: ask one of its Owners to invite you again."
        )
