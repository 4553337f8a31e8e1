"""Signals this app sends to the apps above it, and reactions to account changes.

`member_removed` is sent inside the removal's transaction; packages drops the member's
direct roles on the organization's projects and answers with lines for the Owners' summary.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from accounts.models import User

# sender=Organization, organization=..., user=..., request=...; receivers return list[str].
member_removed = Signal()


@receiver(post_save, sender=User)
def offboard_deactivated_user(sender: type, instance: User, **kwargs: Any) -> None:
    """A deactivated account leaves every organization it belonged to (offboarding)."""
    if instance.is_active or not instance.organization_roles.exists():
        return
    from .services import member_offboard_everywhere

    member_offboard_everywhere(user=instance)
