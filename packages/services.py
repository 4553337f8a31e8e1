"""Every write to a project after upload: roles, invitations, yanks, deletions, settings.

Each service checks `can()`, runs in one transaction, records a ProjectEvent and tells
the Owners by email after commit. Refusals are WharfErrors whose message says what to do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from accounts import invitations
from accounts.events import client_ip, record_event
from accounts.models import User
from core.errors import Conflict, NotAllowed, NotFound, WharfError
from core.permissions import Action, can, require
from core.principals import Principal, as_principal

from . import emails, signals
from .models import File, Project, ProjectEvent, Release, Role, RoleInvitation
from .pages import pages_changed
from .storage import delete_quietly


def record_project_event(
    *,
    project: Project,
    tag: str,
    actor: User | None,
    request: HttpRequest | None = None,
    **details: Any,
) -> ProjectEvent:
    """Add a line to the project's history, tagged `project:<subject>:<action>`."""
    return ProjectEvent.objects.create(
        project=project, tag=tag, actor=actor, ip_address=client_ip(request), details=details
    )


def _authorize(actor: Principal | User, action: Action, project: Project) -> User:
    """Refuse unless actor may do action on project; the acting user, for the history."""
    principal = as_principal(actor)
    require(principal, action, project)
    return principal.user


def _changed(project: Project) -> None:
    """The project's public pages changed: bump its serial, refresh its pages on commit."""
    Project.objects.filter(pk=project.pk).update(last_serial=F("last_serial") + 1)
    pages_changed(project.normalized_name)


def _lock_roles(project: Project) -> None:
    # Serializes role changes on one project, so two Owners can't both leave at once.
    Project.objects.select_for_update().filter(pk=project.pk).first()


def _check_not_last_owner(project: Project, user: User, doing: str) -> None:
    role = Role.objects.filter(project=project, user=user).first()
    if role is None or role.role != Role.Kind.OWNER:
        return
    if Role.objects.filter(project=project, role=Role.Kind.OWNER).count() <= 1:
        raise Conflict(
            f"{user.username} is the last Owner of '{project.name}' and can't {doing}: make "
            "another collaborator an Owner first."
        )


def _valid_role(role: str) -> str:
    if role not in Role.Kind.values:
        raise WharfError(f"unknown role {role!r}: choose Owner or Maintainer.")
    return role


# --- invitations --------------------------------------------------------------------------


@transaction.atomic
def role_invite(
    *,
    project: Project,
    inviter: Principal | User,
    username: str,
    role: str,
    request: HttpRequest | None = None,
) -> RoleInvitation:
    """Invite a user (by username) to take a role on the project; they are emailed."""
    inviter = _authorize(inviter, Action.MANAGE_ROLES, project)
    _valid_role(role)
    wanted = username.strip()
    # No username has a NUL byte, and PostgreSQL would refuse to look one up (a 500).
    invitee = None if "\x00" in wanted else User.objects.filter(username__iexact=wanted).first()
    if invitee is None or not invitee.is_active:
        raise NotFound(f"there is no user named {username!r}: check the spelling of the username.")
    has_role = Role.objects.filter(project=project, user=invitee).exists()
    invitations.make_way(
        invitee,
        already=(
            f"{invitee.username} already has a role on '{project.name}': change it instead."
            if has_role
            else None
        ),
        existing=RoleInvitation.objects.filter(project=project, invitee=invitee).first(),
    )
    invitation = RoleInvitation.objects.create(
        project=project,
        invitee=invitee,
        inviter=inviter,
        role=role,
        expires_at=invitations.expiry(settings.ROLE_INVITATION_DAYS),
    )
    record_project_event(
        project=project,
        tag="project:role:invited",
        actor=inviter,
        request=request,
        username=invitee.username,
        role=role,
    )
    emails.send_invitation_email(invitation)
    emails.send_owners_email(
        project, f"{inviter.username} invited {invitee.username} to be {role}."
    )
    return invitation


def invitation_accept(
    *, invitation: RoleInvitation, user: User, request: HttpRequest | None = None
) -> Role:
    """The invitee takes the offered role."""
    with transaction.atomic():
        project = invitation.project
        _lock_roles(project)
        invitations.check_pending(invitation, user, project.name)
        inviter = invitation.inviter
        if inviter is None or not can(inviter, Action.MANAGE_ROLES, project):
            # An Owner removed for abuse must not come back through a puppet they invited.
            raise NotAllowed(
                f"this invitation to '{project.name}' was sent by someone who is no longer "
                "one of its Owners, so it no longer counts: ask a current Owner to invite you."
            )
        if Role.objects.filter(project=project, user=user).exists():
            invitation.delete()
            raise Conflict(f"you already have a role on '{project.name}'.")
        role = Role.objects.create(project=project, user=user, role=invitation.role)
        invitation.delete()
        record_project_event(
            project=project,
            tag="project:role:added",
            actor=user,
            request=request,
            username=user.username,
            role=role.role,
        )
        emails.send_owners_email(
            project, f"{user.username} accepted the invitation and is now {role.role}."
        )
    return role


def invitation_decline(
    *, invitation: RoleInvitation, user: User, request: HttpRequest | None = None
) -> None:
    """The invitee turns the invitation down."""
    with transaction.atomic():
        project = invitation.project
        invitations.check_pending(invitation, user, project.name)
        invitation.delete()
        record_project_event(
            project=project,
            tag="project:role:declined",
            actor=user,
            request=request,
            username=user.username,
        )
        emails.send_owners_email(project, f"{user.username} declined the invitation.")


@transaction.atomic
def invitation_revoke(
    *, invitation: RoleInvitation, actor: Principal | User, request: HttpRequest | None = None
) -> None:
    """An Owner withdraws a pending invitation."""
    project = invitation.project
    actor = _authorize(actor, Action.MANAGE_ROLES, project)
    invitee = invitation.invitee
    invitation.delete()
    record_project_event(
        project=project,
        tag="project:role:invitation_revoked",
        actor=actor,
        request=request,
        username=invitee.username,
    )
    emails.send_owners_email(
        project,
        f"{actor.username} revoked the invitation of {invitee.username}.",
        also=[invitee],
    )


# --- roles --------------------------------------------------------------------------------


@transaction.atomic
def role_change(
    *,
    project: Project,
    actor: Principal | User,
    user: User,
    role: str,
    request: HttpRequest | None = None,
) -> Role:
    """An Owner changes a collaborator's role; the last Owner stays an Owner."""
    actor = _authorize(actor, Action.MANAGE_ROLES, project)
    _valid_role(role)
    _lock_roles(project)
    current = Role.objects.filter(project=project, user=user).first()
    if current is None:
        raise NotFound(f"{user.username} has no role on '{project.name}'.")
    if current.role == role:
        return current
    if role != Role.Kind.OWNER:
        _check_not_last_owner(project, user, "stop being one")
    previous = current.role
    current.role = role
    current.save(update_fields=["role"])
    record_project_event(
        project=project,
        tag="project:role:changed",
        actor=actor,
        request=request,
        username=user.username,
        previous=previous,
        role=role,
    )
    emails.send_owners_email(
        project,
        f"{actor.username} changed the role of {user.username} from {previous} to {role}.",
        also=[user],
    )
    return current


@transaction.atomic
def role_remove(
    *, project: Project, actor: Principal | User, user: User, request: HttpRequest | None = None
) -> None:
    """An Owner removes a collaborator; the last Owner can't be removed."""
    actor = _authorize(actor, Action.MANAGE_ROLES, project)
    _lock_roles(project)
    role = Role.objects.filter(project=project, user=user).first()
    if role is None:
        raise NotFound(f"{user.username} has no role on '{project.name}'.")
    _check_not_last_owner(project, user, "be removed")
    role.delete()
    record_project_event(
        project=project,
        tag="project:role:removed",
        actor=actor,
        request=request,
        username=user.username,
        role=role.role,
    )
    emails.send_owners_email(
        project,
        f"{actor.username} removed {user.username} ({role.role}) from the project.",
        also=[user],
    )


@transaction.atomic
def project_leave(
    *, project: Project, user: Principal | User, request: HttpRequest | None = None
) -> None:
    """A collaborator gives up their role; the last Owner can't leave."""
    user = _authorize(user, Action.LEAVE, project)
    _lock_roles(project)
    _check_not_last_owner(project, user, "leave")
    role = Role.objects.filter(project=project, user=user).first()
    if role is None:
        # The role comes from an organization or a team: that is what to leave.
        raise Conflict(
            f"your role on '{project.name}' comes from its organization "
            f"'{project.organization}' (a team, or being an Owner there), not from the project: "
            "leave the team or the organization instead."
        )
    role.delete()
    record_project_event(
        project=project,
        tag="project:role:left",
        actor=user,
        request=request,
        username=user.username,
        role=role.role,
    )
    emails.send_owners_email(project, f"{user.username} ({role.role}) left the project.")


@transaction.atomic
def project_set_two_factor(
    *, project: Project, actor: Principal | User, required: bool, request: HttpRequest | None = None
) -> None:
    """An Owner requires (or stops requiring) two-factor auth from uploading collaborators."""
    actor = _authorize(actor, Action.MANAGE_SETTINGS, project)
    if project.require_two_factor == required:
        return
    project.require_two_factor = required
    project.save(update_fields=["require_two_factor"])
    record_project_event(
        project=project,
        tag="project:settings:two_factor_" + ("required" if required else "optional"),
        actor=actor,
        request=request,
    )
    state = "now requires" if required else "no longer requires"
    emails.send_owners_email(
        project, f"{actor.username} changed the project: it {state} two-factor authentication."
    )


# --- releases and files -------------------------------------------------------------------


@transaction.atomic
def release_yank(
    *,
    release: Release,
    actor: Principal | User,
    reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Mark a release yanked (PEP 592): installers skip it unless it is pinned exactly."""
    project = release.project
    actor = _authorize(actor, Action.YANK, project)
    if release.yanked:
        raise Conflict(f"{project.name} {release.version} is already yanked.")
    if "\x00" in reason:  # a text column can't hold it (PostgreSQL refuses the write)
        raise WharfError("the yank reason contains a NUL character: remove it and try again.")
    release.yanked = True
    release.yanked_reason = reason.strip()[:500]
    release.save(update_fields=["yanked", "yanked_reason"])
    _changed(project)
    record_project_event(
        project=project,
        tag="project:release:yanked",
        actor=actor,
        request=request,
        version=release.version,
        reason=release.yanked_reason,
    )
    emails.send_owners_email(
        project,
        f"{actor.username} yanked {release.version}"
        + (f" ({release.yanked_reason})." if release.yanked_reason else "."),
    )


@transaction.atomic
def release_unyank(
    *, release: Release, actor: Principal | User, request: HttpRequest | None = None
) -> None:
    """Make a yanked release installable again."""
    project = release.project
    actor = _authorize(actor, Action.YANK, project)
    if not release.yanked:
        raise Conflict(f"{project.name} {release.version} is not yanked.")
    release.yanked = False
    release.yanked_reason = ""
    release.save(update_fields=["yanked", "yanked_reason"])
    _changed(project)
    record_project_event(
        project=project,
        tag="project:release:unyanked",
        actor=actor,
        request=request,
        version=release.version,
    )
    emails.send_owners_email(project, f"{actor.username} un-yanked {release.version}.")


def _confirm(expected: str, confirm: str | None, what: str) -> None:
    if confirm is not None and confirm.strip() != expected:
        raise WharfError(f"to delete {what}, type {expected!r} exactly in the confirmation box.")


def _delete_stored(files: list[File]) -> None:
    keys = [key for f in files for key in (f.path, f.metadata_path if f.has_metadata else None)]
    # Storage can't roll back: remove bytes only once the rows are really gone.
    transaction.on_commit(lambda: [delete_quietly(key) for key in keys if key])


@transaction.atomic
def release_delete(
    *,
    release: Release,
    actor: Principal | User,
    confirm: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Delete a release and its files; their filenames stay used forever."""
    project = release.project
    actor = _authorize(actor, Action.DELETE, project)
    _confirm(release.version, confirm, f"release {release.version}")
    files = list(release.files.all())
    size = sum(f.size for f in files)
    release.delete()
    Project.objects.filter(pk=project.pk).update(total_size=F("total_size") - size)
    _delete_stored(files)
    _changed(project)
    record_project_event(
        project=project,
        tag="project:release:deleted",
        actor=actor,
        request=request,
        version=release.version,
        files=[f.filename for f in files],
    )
    emails.send_owners_email(
        project, f"{actor.username} deleted release {release.version} and its files."
    )


@transaction.atomic
def file_delete(
    *,
    file: File,
    actor: Principal | User,
    confirm: str | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Delete one file; its filename can never be uploaded again."""
    project = file.release.project
    actor = _authorize(actor, Action.DELETE, project)
    _confirm(file.filename, confirm, f"file {file.filename}")
    file.delete()
    Project.objects.filter(pk=project.pk).update(total_size=F("total_size") - file.size)
    _delete_stored([file])
    _changed(project)
    record_project_event(
        project=project,
        tag="project:file:deleted",
        actor=actor,
        request=request,
        filename=file.filename,
        version=file.release.version,
    )
    emails.send_owners_email(project, f"{actor.username} deleted the file {file.filename}.")


@transaction.atomic
def project_delete(
    *, project: Project, actor: Principal | User, confirm: str, request: HttpRequest | None = None
) -> None:
    """Delete a project with its releases and files; filenames stay used, the name is freed."""
    actor = _authorize(actor, Action.DELETE, project)
    if (confirm or "").strip() != project.name:
        raise WharfError(
            f"to delete project {project.name}, type its name {project.name!r} exactly in the "
            "confirmation box."
        )
    _lock_roles(project)
    roles = list(project.roles.select_related("user"))
    files = list(File.objects.filter(release__project=project))
    releases = project.releases.count()
    name, normalized_name = project.name, project.normalized_name
    # The project's own history goes with it: each former collaborator keeps a line in theirs.
    for role in roles:
        record_event(
            user=role.user,
            tag="account:project:deleted",
            request=request,
            project=name,
            role=role.role,
            deleted_by=actor.username,
            releases=releases,
            files=len(files),
        )
    project.delete()
    signals.project_deleted.send(
        sender=Project,
        normalized_name=normalized_name,
        collaborators=[role.user for role in roles],
        request=request,
    )
    _delete_stored(files)
    pages_changed(normalized_name, index=True)
    emails.send_project_deleted_email(
        project_name=name, actor=actor, collaborators=[role.user for role in roles]
    )
