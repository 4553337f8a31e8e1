"""Organization mail: one function per message, all through accounts.emails."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.emails import send_templated_email
from accounts.models import User
from core.principals import as_principal
from core.urls import absolute_url

from .models import Organization, OrganizationInvitation, OrganizationRole


def _addresses(users: Iterable[User]) -> list[str]:
    seen: dict[str, None] = {}
    for user in users:
        for address in user.verified_emails:
            seen.setdefault(address, None)
    return list(seen)


def _owners(organization: Organization) -> list[User]:
    return list(
        User.objects.filter(
            organization_roles__organization=organization,
            organization_roles__role=OrganizationRole.Kind.OWNER,
        ).prefetch_related("emailaddress_set")
    )


def _manage_url(organization: Organization) -> str:
    return absolute_url("organizations:manage", organization.normalized_name)


def send_owners_email(
    organization: Organization, summary: str, *, also: Iterable[User] = ()
) -> None:
    """Tell the organization's Owners (and anyone the change concerns) what changed."""
    send_templated_email(
        to=_addresses([*_owners(organization), *also]),
        template="organization_changed",
        context={
            "name": organization.name,
            "summary": summary,
            "manage_url": _manage_url(organization),
        },
    )


def send_invitation_email(invitation: OrganizationInvitation) -> None:
    """Tell the invitee where to accept or decline."""
    send_templated_email(
        to=invitation.invitee.verified_emails,
        template="organization_invitation",
        context={
            "invitee": invitation.invitee.username,
            "inviter": invitation.inviter.username if invitation.inviter else "An Owner",
            "role": invitation.role,
            "name": invitation.organization.name,
            "expires_at": invitation.expires_at,
            "answer_url": absolute_url("organizations:list"),
        },
    )


def send_offboarding_email(
    organization: Organization, *, user: User, removed: list[str], by: object
) -> None:
    """The Owners' summary of what a member's removal (or leaving) took away; they are told."""
    who = as_principal(by).label if by is not None else user.username
    verb = "removed" if by is not None else "left (or was deactivated), removing"
    send_templated_email(
        to=_addresses([*_owners(organization), user]),
        template="organization_offboarding",
        context={
            "name": organization.name,
            "username": user.username,
            "summary": f"{who} {verb} {user.username}"
            if by is not None
            else f"{user.username} {verb}",
            "removed": removed,
            "manage_url": _manage_url(organization),
        },
    )


def send_staff_approval_email(organization: Organization) -> None:
    """Tell the staff a new organization waits for approval in admin."""
    staff = User.objects.filter(is_staff=True, is_active=True).prefetch_related("emailaddress_set")
    send_templated_email(
        to=_addresses(staff),
        template="organization_approval_requested",
        context={
            "name": organization.name,
            "display_name": organization.display_name,
            "admin_url": absolute_url("admin:organizations_organization_change", organization.pk),
        },
    )


def send_status_email(organization: Organization, *, verb: str, message: str) -> None:
    """Tell the Owners that staff approved, declined, deactivated or reactivated it."""
    send_templated_email(
        to=_addresses(_owners(organization)),
        template="organization_status",
        context={
            "name": organization.name,
            "verb": verb,
            "message": message,
            "manage_url": _manage_url(organization),
        },
    )


def send_deleted_email(*, name: str, actor: str, members: Iterable[User]) -> None:
    send_templated_email(
        to=_addresses(members),
        template="organization_changed",
        context={
            "name": name,
            "summary": f"{actor} deleted the organization.",
            "manage_url": absolute_url("organizations:list"),
        },
    )
