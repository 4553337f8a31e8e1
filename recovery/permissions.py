"""The Support staff group: exactly the Django permissions core.permissions asks of support.

Who may do what with recovery tickets is decided in core.permissions (Action.RECOVERY_*);
support staff get those permissions through this group (not superuser).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from core.permissions import RECOVERY_PERMISSIONS, TAKEDOWN_PERMISSIONS

SUPPORT_STAFF_GROUP = "Support staff"

# What the Support staff group holds: (app_label, codename). Recovery, and the takedowns
# support may do (quarantine, removal; freezing an account is for superusers).
_SUPPORT = [
    *RECOVERY_PERMISSIONS.values(),
    *sorted({p for p in TAKEDOWN_PERMISSIONS.values() if p}),
]
SUPPORT_STAFF_PERMISSIONS = [tuple(p.split(".")) for p in _SUPPORT]


def ensure_support_staff_group() -> None:
    """Create or repair the Support staff group with exactly the support permissions."""
    group, _ = Group.objects.get_or_create(name=SUPPORT_STAFF_GROUP)
    wanted = [
        Permission.objects.filter(content_type__app_label=app, codename=codename).first()
        for app, codename in SUPPORT_STAFF_PERMISSIONS
    ]
    if all(wanted):
        group.permissions.set(wanted)
