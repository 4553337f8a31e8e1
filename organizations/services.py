"""Every write to an organization: creation, approval, members, invitations, teams, settings.

Each service asks `core.permissions.can()`, runs in one transaction, records an
OrganizationEvent (`organization:<subject>:<action>`) and mails the people concerned after
commit. Refusals are WharfErrors whose message says what to do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts import invitations
from accounts.events import client_ip
from accounts.models import User
from core.errors import Conflict, NotAllowed, NotFound, WharfError
from core.names import is_valid_name, normalize
from core.permissions import Action, require
from core.principals import Principal, as_principal

from . import emails
from .models import (
    Organization,
    OrganizationEvent,
    OrganizationInvitation,
    OrganizationRole,
    Team,
    TeamMember,
)
from .signals import member_removed

Actor = Principal | User
MAX_NAME = 100


def _user(actor: Actor) -> User | None:
    return as_principal(actor).user


def record_organization_event(
    *,
    organization: Organization,
    tag: str,
    actor: Actor | None,
    request: HttpRequest | None = None,
    **details: Any,
) -> OrganizationEvent:
    """Add a line to the organization's history, tagged `organization:<subject>:<action>`."""
    user = _user(actor) if actor is not None else None
    if actor is not None and user is None:
        details.setdefault("by", as_principal(actor).label)
    return OrganizationEvent.objects.create(
        organization=organization,
        tag=tag,
        actor=user,
        ip_address=client_ip(request),
        details=details,
    )


def _clean_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise WharfError(f"the {field} contains a NUL character: remove it and try again.")
    if len(value) > limit:
        raise WharfError(f"the {field} is too long: use at most {limit} characters.")
    return value


def _clean_link(link: str) -> str:
    link = _clean_text(link, "link", 500)
    if link and not link.lower().startswith(("https://", "http://")):
        raise WharfError("the link must be a web address starting with https:// (or http://).")
    return link


def _lock(organization: Organization) -> None:
    # Serializes membership changes, so two Owners can't both leave at once.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


def _check_not_last_owner(organization: Organization, user: User, doing: str) -> None:
    role = OrganizationRole.objects.filter(organization=organization, user=user).first()
    if role is None or role.role != OrganizationRole.Kind.OWNER:
        return
    owners = OrganizationRole.objects.filter(
        organization=organization, role=OrganizationRole.Kind.OWNER
    )
    if owners.count() <= 1:
        raise Conflict(
            f"{user.username} is the last Owner of organization '{organization.name}' and "
            f"can't {doing}: make another member an Owner first."
        )


def _valid_role(role: str) -> str:
    if role not in OrganizationRole.Kind.values:
        raise WharfError(f"unknown role {str(role)[:50]!r}: choose Owner, Manager or Member.")
    return role


def _require_for_role(actor: Actor, organization: Organization, role: str) -> None:
    """Managers handle Members and Managers; only Owners touch Owners."""
    if role == OrganizationRole.Kind.OWNER:
        require(actor, Action.ORGANIZATION_MANAGE_OWNERS, organization)
    else:
        require(actor, Action.ORGANIZATION_MANAGE_MEMBERS, organization)


# --- the organization ---------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    actor: Actor,
    name: str,
    display_name: str,
    link: str = "",
    description: str = "",
    request: HttpRequest | None = None,
) -> Organization:
    """Create an organization with actor as its Owner (pending when approval is required)."""
    require(actor, Action.ORGANIZATION_CREATE)
    user = _user(actor)
    assert user is not None  # noqa: S101 - can() refuses ORGANIZATION_CREATE without a user
    name = _clean_text(name, "name", MAX_NAME)
    if not is_valid_name(name):
        raise WharfError(
            f'"{name[:100]}" is not a valid organization name: use letters, digits, ".", "_" '
            'and "-", starting and ending with a letter or digit.'
        )
    display_name = _clean_text(display_name, "display name", 200) or name
    normalized = normalize(name)
    if Organization.objects.filter(normalized_name=normalized).exists():
        raise Conflict(f"the organization name '{name}' is taken: choose another name.")
    pending = settings.ORGANIZATIONS_REQUIRE_APPROVAL
    organization = Organization.objects.create(
        name=name,
        normalized_name=normalized,
        display_name=display_name,
        link=_clean_link(link),
        description=_clean_text(description, "description", 5000),
        status=Organization.Status.PENDING if pending else Organization.Status.ACTIVE,
    )
    OrganizationRole.objects.create(
        organization=organization, user=user, role=OrganizationRole.Kind.OWNER
    )
    record_organization_event(
        organization=organization,
        tag="organization:organization:created",
        actor=actor,
        request=request,
        name=name,
        status=organization.status,
    )
    if pending:
        emails.send_staff_approval_email(organization)
    return organization


def _staff_only(staff: User) -> None:
    if not (staff.is_active and staff.is_staff):
        raise NotAllowed("only the index's staff can approve, decline or deactivate organizations.")


@transaction.atomic
def organization_approve(
    *, organization: Organization, staff: User, request: HttpRequest | None = None
) -> None:
    """Staff approve a pending organization; its Owners are told."""
    _staff_only(staff)
    if organization.status != Organization.Status.PENDING:
        raise Conflict(f"organization '{organization.name}' is not waiting for approval.")
    _set_status(organization, Organization.Status.ACTIVE, "", staff, "approved", request)


@transaction.atomic
def organization_decline(
    *, organization: Organization, staff: User, message: str, request: HttpRequest | None = None
) -> None:
    """Staff decline a pending organization with a message mailed to its Owners."""
    _staff_only(staff)
    if organization.status != Organization.Status.PENDING:
        raise Conflict(f"organization '{organization.name}' is not waiting for approval.")
    message = _clean_text(message, "message", 1000)
    if not message:
        raise WharfError("say why the organization is declined: the message is mailed to it.")
    _set_status(organization, Organization.Status.DECLINED, message, staff, "declined", request)


@transaction.atomic
def organization_deactivate(
    *, organization: Organization, staff: User, message: str, request: HttpRequest | None = None
) -> None:
    """Staff deactivate an organization: its tokens and team roles stop working."""
    _staff_only(staff)
    if organization.status == Organization.Status.DEACTIVATED:
        raise Conflict(f"organization '{organization.name}' is already deactivated.")
    message = _clean_text(message, "message", 1000)
    _set_status(
        organization, Organization.Status.DEACTIVATED, message, staff, "deactivated", request
    )


@transaction.atomic
def organization_reactivate(
    *, organization: Organization, staff: User, request: HttpRequest | None = None
) -> None:
    """Staff make a deactivated (or declined) organization active again."""
    _staff_only(staff)
    if organization.status == Organization.Status.ACTIVE:
        raise Conflict(f"organization '{organization.name}' is already active.")
    _set_status(organization, Organization.Status.ACTIVE, "", staff, "reactivated", request)


def _set_status(
    organization: Organization,
    status: str,
    message: str,
    staff: User,
    verb: str,
    request: HttpRequest | None,
) -> None:
    organization.status = status
    organization.status_message = message
    organization.save(update_fields=["status", "status_message"])
    record_organization_event(
        organization=organization,
        tag=f"organization:organization:{verb}",
        actor=staff,
        request=request,
        message=message,
    )
    emails.send_status_email(organization, verb=verb, message=message)


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: Actor,
    request: HttpRequest | None = None,
    **changes: Any,
) -> Organization:
    """An Owner changes the display name, link, description or policies."""
    require(actor, Action.ORGANIZATION_SETTINGS, organization)
    cleaners = {
        "display_name": lambda v: _clean_text(v, "display name", 200) or organization.name,
        "link": _clean_link,
        "description": lambda v: _clean_text(v, "description", 5000),
        "require_two_factor": bool,
        "show_members": bool,
    }
    unknown = set(changes) - set(cleaners)
    if unknown:
        raise WharfError(f"unknown settings: {', '.join(sorted(unknown))}.")
    changed: dict[str, Any] = {}
    for field, value in changes.items():
        value = cleaners[field](value)
        if getattr(organization, field) != value:
            setattr(organization, field, value)
            changed[field] = value
    if changed:
        organization.save(update_fields=list(changed))
        record_organization_event(
            organization=organization,
            tag="organization:settings:changed",
            actor=actor,
            request=request,
            **changed,
        )
        if "require_two_factor" in changed:
            state = "now requires" if changed["require_two_factor"] else "no longer requires"
            emails.send_owners_email(
                organization,
                f"{as_principal(actor).label} changed the policy: the organization {state} "
                "two-factor authentication of its members.",
            )
    return organization


@transaction.atomic
def organization_delete(
    *, organization: Organization, actor: Actor, confirm: str, request: HttpRequest | None = None
) -> None:
    """An Owner deletes an organization that owns no project any more."""
    require(actor, Action.ORGANIZATION_DELETE, organization)
    if (confirm or "").strip() != organization.name:
        raise WharfError(
            f"to delete organization {organization.name}, type its name "
            f"{organization.name!r} exactly in the confirmation box."
        )
    if organization.projects.exists():
        raise Conflict(
            f"organization '{organization.name}' still owns projects: transfer them out "
            "(or delete them) first."
        )
    members = [role.user for role in organization.roles.select_related("user")]
    name = organization.name
    organization.delete()
    emails.send_deleted_email(name=name, actor=as_principal(actor).label, members=members)


# --- invitations --------------------------------------------------------------------------


def _find_invitee(who: str) -> User:
    wanted = (who or "").strip()
    if not wanted or "\x00" in wanted or len(wanted) > 254:
        raise WharfError("name the person to invite by their username or verified email address.")
    if "@" in wanted:
        invitee = User.objects.filter(
            emailaddress__email__iexact=wanted, emailaddress__verified=True
        ).first()
    else:
        invitee = User.objects.filter(username__iexact=wanted).first()
    if invitee is None or not invitee.is_active:
        raise NotFound(
            f"there is no user named {wanted[:100]!r} (or with that verified address): check "
            "the spelling, or ask them to sign up and verify their address first."
        )
    return invitee


@transaction.atomic
def member_invite(
    *,
    organization: Organization,
    actor: Actor,
    who: str,
    role: str,
    request: HttpRequest | None = None,
) -> OrganizationInvitation:
    """Invite a person (by username or verified email) to join with a role; they are mailed."""
    _valid_role(role)
    _require_for_role(actor, organization, role)
    invitee = _find_invitee(who)
    member = OrganizationRole.objects.filter(organization=organization, user=invitee).exists()
    invitations.make_way(
        invitee,
        already=(
            f"{invitee.username} is already a member of '{organization.name}': change their "
            "role instead."
            if member
            else None
        ),
        existing=OrganizationInvitation.objects.filter(
            organization=organization, invitee=invitee
        ).first(),
    )
    invitation = OrganizationInvitation.objects.create(
        organization=organization,
        invitee=invitee,
        inviter=_user(actor),
        role=role,
        expires_at=invitations.expiry(settings.ORGANIZATION_INVITATION_DAYS),
    )
    record_organization_event(
        organization=organization,
        tag="organization:member:invited",
        actor=actor,
        request=request,
        username=invitee.username,
        role=role,
    )
    emails.send_invitation_email(invitation)
    return invitation


def invitation_accept(
    *, invitation: OrganizationInvitation, actor: Actor, request: HttpRequest | None = None
) -> OrganizationRole:
    """The invitee joins the organization with the offered role."""
    user = _user(actor)
    if user is None:
        raise NotAllowed("sign in as the invited user to accept.")
    with transaction.atomic():
        organization = invitation.organization
        _lock(organization)
        invitations.check_pending(invitation, user, organization.name)
        inviter = invitation.inviter
        needed = (
            Action.ORGANIZATION_MANAGE_OWNERS
            if invitation.role == OrganizationRole.Kind.OWNER
            else Action.ORGANIZATION_MANAGE_MEMBERS
        )
        # An inviter who lost their role must not bring people in through old invitations.
        if (
            inviter is None
            or organization.role_of(inviter) is None
            or not _role_allows(organization.role_of(inviter), needed)
        ):
            invitation.delete()
            raise NotAllowed(
                f"this invitation to '{organization.name}' was sent by someone who can no "
                "longer invite, so it no longer counts: ask a current Owner to invite you."
            )
        if OrganizationRole.objects.filter(organization=organization, user=user).exists():
            invitation.delete()
            raise Conflict(f"you are already a member of '{organization.name}'.")
        role = OrganizationRole.objects.create(
            organization=organization, user=user, role=invitation.role
        )
        invitation.delete()
        record_organization_event(
            organization=organization,
            tag="organization:member:added",
            actor=actor,
            request=request,
            username=user.username,
            role=role.role,
        )
        emails.send_owners_email(
            organization, f"{user.username} accepted the invitation and is now {role.role}."
        )
    return role


def _role_allows(role: str | None, action: Action) -> bool:
    from core.permissions import ORGANIZATION_ROLE_ACTIONS

    return action in ORGANIZATION_ROLE_ACTIONS.get(role or "", frozenset())


def invitation_decline(
    *, invitation: OrganizationInvitation, actor: Actor, request: HttpRequest | None = None
) -> None:
    """The invitee turns the invitation down."""
    user = _user(actor)
    if user is None:
        raise NotAllowed("sign in as the invited user to decline.")
    with transaction.atomic():
        organization = invitation.organization
        invitations.check_pending(invitation, user, organization.name)
        invitation.delete()
        record_organization_event(
            organization=organization,
            tag="organization:member:declined",
            actor=actor,
            request=request,
            username=user.username,
        )
        emails.send_owners_email(organization, f"{user.username} declined the invitation.")


@transaction.atomic
def invitation_revoke(
    *, invitation: OrganizationInvitation, actor: Actor, request: HttpRequest | None = None
) -> None:
    """An Owner or Manager withdraws a pending invitation; the invitee is told."""
    organization = invitation.organization
    _require_for_role(actor, organization, invitation.role)
    invitee = invitation.invitee
    invitation.delete()
    record_organization_event(
        organization=organization,
        tag="organization:member:invitation_revoked",
        actor=actor,
        request=request,
        username=invitee.username,
    )
    emails.send_owners_email(
        organization,
        f"{as_principal(actor).label} revoked the invitation of {invitee.username}.",
        also=[invitee],
    )


# --- members ------------------------------------------------------------------------------


def get_member(organization: Organization, username: str) -> OrganizationRole:
    role = (
        OrganizationRole.objects.filter(
            organization=organization, user__username__iexact=(username or "").replace("\x00", "")
        )
        .select_related("user")
        .first()
    )
    if role is None:
        raise NotFound(
            f"{str(username)[:100]!r} is not a member of '{organization.name}': check the "
            "member list."
        )
    return role


@transaction.atomic
def member_change_role(
    *,
    organization: Organization,
    actor: Actor,
    user: User,
    role: str,
    request: HttpRequest | None = None,
) -> OrganizationRole:
    """Change a member's role; Managers can't touch Owners; the last Owner stays one."""
    _valid_role(role)
    _lock(organization)
    current = get_member(organization, user.username)
    # Making or unmaking an Owner is for Owners.
    _require_for_role(
        actor,
        organization,
        OrganizationRole.Kind.OWNER
        if OrganizationRole.Kind.OWNER in (role, current.role)
        else role,
    )
    if current.role == role:
        return current
    if current.role == OrganizationRole.Kind.OWNER:
        _check_not_last_owner(organization, user, "stop being one")
    previous = current.role
    current.role = role
    current.save(update_fields=["role"])
    record_organization_event(
        organization=organization,
        tag="organization:member:role_changed",
        actor=actor,
        request=request,
        username=user.username,
        previous=previous,
        role=role,
    )
    emails.send_owners_email(
        organization,
        f"{as_principal(actor).label} changed the role of {user.username} from {previous} "
        f"to {role}.",
        also=[user],
    )
    return current


def _offboard(
    organization: Organization,
    user: User,
    *,
    tag: str,
    actor: Actor | None,
    by: Actor | None,
    request: HttpRequest | None,
) -> list[str]:
    """Remove user's membership, team places and (through packages) direct project roles;
    record it under tag (actor: who did it) and mail what was removed (by: who removed them,
    when someone else did)."""
    role = OrganizationRole.objects.get(organization=organization, user=user)
    teams = list(
        TeamMember.objects.filter(team__organization=organization, user=user).values_list(
            "team__name", flat=True
        )
    )
    TeamMember.objects.filter(team__organization=organization, user=user).delete()
    OrganizationInvitation.objects.filter(organization=organization, invitee=user).delete()
    role.delete()
    removed = [f"membership ({role.role})"] + [f"team {name}" for name in teams]
    for _receiver, lines in member_removed.send(
        sender=Organization, organization=organization, user=user, request=request
    ):
        removed += list(lines or [])
    record_organization_event(
        organization=organization,
        tag=tag,
        actor=actor,
        request=request,
        username=user.username,
        role=role.role,
        removed=removed,
    )
    emails.send_offboarding_email(organization, user=user, removed=removed, by=by)
    return removed


@transaction.atomic
def member_remove(
    *,
    organization: Organization,
    actor: Actor,
    user: User,
    request: HttpRequest | None = None,
) -> list[str]:
    """Offboard a member in one step; returns what was removed (the Owners get it by mail)."""
    _lock(organization)
    current = get_member(organization, user.username)
    _require_for_role(actor, organization, current.role)
    _check_not_last_owner(organization, user, "be removed")
    return _offboard(
        organization,
        user,
        tag="organization:member:removed",
        actor=actor,
        by=actor,
        request=request,
    )


@transaction.atomic
def member_leave(
    *, organization: Organization, actor: Actor, request: HttpRequest | None = None
) -> list[str]:
    """A member leaves (offboarded like a removal); the last Owner can't."""
    require(actor, Action.ORGANIZATION_LEAVE, organization)
    user = _user(actor)
    assert user is not None  # noqa: S101 - can() allows LEAVE only to members
    _lock(organization)
    _check_not_last_owner(organization, user, "leave")
    return _offboard(
        organization, user, tag="organization:member:left", actor=actor, by=None, request=request
    )


@transaction.atomic
def member_offboard_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    """A deactivated account is offboarded from every organization.

    The last Owner of an organization keeps the role (the account is disabled and can do
    nothing); staff give the organization another Owner.
    """
    for role in OrganizationRole.objects.filter(user=user).select_related("organization"):
        organization = role.organization
        owners = OrganizationRole.objects.filter(
            organization=organization, role=OrganizationRole.Kind.OWNER
        )
        if role.role == OrganizationRole.Kind.OWNER and owners.count() <= 1:
            continue
        _offboard(
            organization,
            user,
            tag="organization:member:deactivated",
            actor=None,
            by=None,
            request=request,
        )


# --- teams --------------------------------------------------------------------------------


def get_team(organization: Organization, name: str) -> Team:
    team = Team.objects.filter(
        organization=organization, normalized_name=normalize((name or "").replace("\x00", ""))
    ).first()
    if team is None:
        raise NotFound(
            f"organization '{organization.name}' has no team named {str(name)[:100]!r}: check "
            "the team list."
        )
    return team


@transaction.atomic
def team_create(
    *, organization: Organization, actor: Actor, name: str, request: HttpRequest | None = None
) -> Team:
    """Create a team in the organization."""
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    name = _clean_text(name, "team name", MAX_NAME)
    if not is_valid_name(name):
        raise WharfError(
            f'"{name[:100]}" is not a valid team name: use letters, digits, ".", "_" and "-", '
            "starting and ending with a letter or digit."
        )
    if Team.objects.filter(organization=organization, normalized_name=normalize(name)).exists():
        raise Conflict(f"organization '{organization.name}' already has a team named '{name}'.")
    team = Team.objects.create(
        organization=organization, name=name, normalized_name=normalize(name)
    )
    record_organization_event(
        organization=organization,
        tag="organization:team:created",
        actor=actor,
        request=request,
        team=name,
    )
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Actor, request: HttpRequest | None = None) -> None:
    """Delete a team; its members keep their membership, lose what the team gave them."""
    organization = team.organization
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    name = team.name
    team.delete()
    record_organization_event(
        organization=organization,
        tag="organization:team:deleted",
        actor=actor,
        request=request,
        team=name,
    )


@transaction.atomic
def team_member_add(
    *, team: Team, actor: Actor, username: str, request: HttpRequest | None = None
) -> TeamMember:
    """Put a member of the organization into a team."""
    organization = team.organization
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    member = get_member(organization, username)
    existing = TeamMember.objects.filter(team=team, user=member.user).first()
    if existing is not None:
        return existing
    added = TeamMember.objects.create(team=team, user=member.user)
    record_organization_event(
        organization=organization,
        tag="organization:team:member_added",
        actor=actor,
        request=request,
        team=team.name,
        username=member.user.username,
    )
    emails.send_owners_email(
        organization,
        f"{as_principal(actor).label} added {member.user.username} to team {team.name}.",
        also=[member.user],
    )
    return added


@transaction.atomic
def team_member_remove(
    *, team: Team, actor: Actor, username: str, request: HttpRequest | None = None
) -> None:
    """Take a person out of a team."""
    organization = team.organization
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    membership = (
        TeamMember.objects.filter(team=team, user__username__iexact=(username or ""))
        .select_related("user")
        .first()
        if "\x00" not in (username or "")
        else None
    )
    if membership is None:
        raise NotFound(f"{str(username)[:100]!r} is not in team {team.name}.")
    membership.delete()
    record_organization_event(
        organization=organization,
        tag="organization:team:member_removed",
        actor=actor,
        request=request,
        team=team.name,
        username=membership.user.username,
    )
    emails.send_owners_email(
        organization,
        f"{as_principal(actor).label} removed {membership.user.username} from team {team.name}.",
        also=[membership.user],
    )


def members_without_two_factor(organization: Organization) -> list[User]:
    """The members who have no second factor (for the Owners' compliance list), one query."""
    from django.db.models import Exists, OuterRef
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import WebAuthnDevice

    def confirmed(model: type) -> Exists:
        return Exists(model.objects.filter(user=OuterRef("pk"), confirmed=True))

    return list(
        User.objects.filter(organization_roles__organization=organization)
        .exclude(confirmed(TOTPDevice))
        .exclude(confirmed(WebAuthnDevice))
        .order_by("username")
    )


def pending_invitations_for(user: User) -> list[OrganizationInvitation]:
    return list(
        OrganizationInvitation.objects.filter(invitee=user, expires_at__gt=timezone.now())
        .select_related("organization", "inviter")
        .order_by("-created")
    )


def visible_organizations(user: User):
    """Organizations whose management pages user may see."""
    return Organization.objects.filter(Q(roles__user=user)).distinct().order_by("normalized_name")
