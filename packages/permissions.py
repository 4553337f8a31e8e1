"""Authorization for projects in one place: an Action enum mapped from roles.

Views, the API, admin and the token layer all ask `can(user, action, project)`.
"""

from __future__ import annotations

from enum import StrEnum

from .models import Project, Role


class Action(StrEnum):
    UPLOAD = "upload"
    VIEW_MANAGE = "view_manage"
    LEAVE = "leave"
    MANAGE_ROLES = "manage_roles"
    YANK = "yank"
    DELETE = "delete"
    MANAGE_SETTINGS = "manage_settings"


_OWNER = frozenset(Action)
_MAINTAINER = frozenset({Action.UPLOAD, Action.VIEW_MANAGE, Action.LEAVE})

PERMISSIONS: dict[str, frozenset[Action]] = {
    Role.Kind.OWNER: _OWNER,
    Role.Kind.MAINTAINER: _MAINTAINER,
}


def role_of(user, project: Project) -> str | None:
    """The user's role on project, or None."""
    if user is None or not user.is_authenticated or project.pk is None:
        return None
    return Role.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def can(user, action: Action, project: Project) -> bool:
    """True when user may perform action on project (by their role on it)."""
    role = role_of(user, project)
    return role is not None and action in PERMISSIONS.get(role, frozenset())
