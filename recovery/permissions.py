"""Who may do what with recovery tickets: an Action enum mapped to Django permissions.

The admin, the services and the tests all ask `can(user, action)`. Support staff get
exactly these permissions through the "Support staff" group (not superuser).
"""

from __future__ import annotations

from enum import StrEnum

SUPPORT_STAFF_GROUP = "Support staff"


class Action(StrEnum):
    VIEW = "view"  # see tickets, their evidence and the account under claim
    REVIEW = "review"  # assign, note, ask for information, challenge, reject, mark spam
    APPROVE = "approve"  # approve with remedies


PERMISSIONS: dict[Action, str] = {
    Action.VIEW: "recovery.view_ticket",
    Action.REVIEW: "recovery.review_ticket",
    Action.APPROVE: "recovery.approve_ticket",
}

# What the Support staff group holds: (app_label, codename).
SUPPORT_STAFF_PERMISSIONS = [tuple(p.split(".")) for p in PERMISSIONS.values()]


def can(user, action: Action) -> bool:
    """True when user is active staff holding the permission for action."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return user.has_perm(PERMISSIONS[action])


def ensure_support_staff_group() -> None:
    """Create or repair the Support staff group with exactly the recovery permissions."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=SUPPORT_STAFF_GROUP)
    wanted = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in SUPPORT_STAFF_PERMISSIONS
    ]
    if all(wanted):
        group.permissions.set(wanted)
