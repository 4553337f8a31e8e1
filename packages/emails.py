"""Project mail: one function per message, all through accounts.emails."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.emails import send_templated_email
from accounts.models import User

from .models import Project, Role, RoleInvitation


def _addresses(users: Iterable[User]) -> list[str]:
    seen: dict[str, None] = {}
    for user in users:
        for address in user.verified_emails:
            seen.setdefault(address, None)
    return list(seen)


def send_invitation_email(invitation: RoleInvitation) -> None:
    """Tell the invitee where to accept or decline."""
    send_templated_email(
        to=invitation.invitee.verified_emails,
        template="project_invitation",
        context={
            "invitee": invitation.invitee.username,
            "inviter": invitation.inviter.username if invitation.inviter else "An Owner",
            "role": invitation.role,
            "project_name": invitation.project.name,
            "expires_at": invitation.expires_at,
        },
    )


def send_owners_email(project: Project, summary: str, *, also: Iterable[User] = ()) -> None:
    """Tell the project's Owners (and anyone the change concerns) what changed."""
    owners = User.objects.filter(
        project_roles__project=project, project_roles__role=Role.Kind.OWNER
    ).prefetch_related("emailaddress_set")
    send_templated_email(
        to=_addresses([*owners, *also]),
        template="project_changed",
        context={
            "project_name": project.name,
            "normalized_name": project.normalized_name,
            "summary": summary,
        },
    )


def send_project_deleted_email(
    *, project_name: str, actor: User, collaborators: Iterable[User]
) -> None:
    """Tell the former collaborators (Owners and Maintainers) that the project is gone."""
    send_templated_email(
        to=_addresses(collaborators),
        template="project_deleted",
        context={"project_name": project_name, "actor": actor.username},
    )
