"""The signed-in user's project pages under /manage/: thin adapters over packages.services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from packaging.utils import canonicalize_version

from accounts.models import User
from accounts.reauth import posts_action, reauth_required_when
from core.errors import WharfError
from core.permissions import Action, can

from . import services
from .models import Project, Release, Role, RoleInvitation


def _project_for(request: HttpRequest, name: str) -> Project:
    project = get_object_or_404(Project, normalized_name=name)
    if not can(request.principal, Action.VIEW_MANAGE, project):
        # Not revealing more than the public page does: a 404 for non-collaborators.
        raise Http404("you have no role on this project")
    return project


def _posted_id(request: HttpRequest, field: str) -> int:
    """The id a form names in field; anything but a plain number is a 404, not a 500."""
    value = request.POST.get(field, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise Http404(f"no such {field}")
    return int(value)


def _run(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    """Call one service; show its refusal as an error message instead of a page."""
    try:
        action()
    except WharfError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@login_required
def projects(request: HttpRequest) -> HttpResponse:
    roles = (
        Role.objects.filter(user=request.user)
        .select_related("project")
        .order_by("project__normalized_name")
    )
    invitations = RoleInvitation.objects.filter(
        invitee=request.user, expires_at__gt=timezone.now()
    ).select_related("project", "inviter")
    # Projects reached through an organization (a team, or being an Owner there).
    through_organizations = (
        Project.objects.visible_to(request.user)
        .exclude(roles__user=request.user)
        .select_related("organization")
        .order_by("normalized_name")
    )
    return render(
        request,
        "packages/manage_projects.html",
        {
            "roles": roles,
            "invitations": invitations,
            "through_organizations": through_organizations,
        },
    )


@login_required
@require_POST
def answer_invitation(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    invitation = get_object_or_404(
        RoleInvitation.objects.select_related("project"), pk=invitation_id, invitee=request.user
    )
    name = invitation.project.name
    if answer == "accept":
        _run(
            request,
            lambda: services.invitation_accept(
                invitation=invitation, user=request.user, request=request
            ),
            f"You are now {invitation.role} of {name}.",
        )
    elif answer == "decline":
        _run(
            request,
            lambda: services.invitation_decline(
                invitation=invitation, user=request.user, request=request
            ),
            f"You declined the invitation to {name}.",
        )
    else:
        raise Http404("answer accept or decline")
    return redirect("packages:manage-projects")


@reauth_required_when(posts_action("delete_project"))
def project(request: HttpRequest, name: str) -> HttpResponse:
    project = _project_for(request, name)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "delete_project":
            confirm = request.POST.get("confirm", "")
            try:
                services.project_delete(
                    project=project, actor=request.principal, confirm=confirm, request=request
                )
            except WharfError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Deleted the project {project.name}.")
                return redirect("packages:manage-projects")
        elif action == "two_factor":
            required = request.POST.get("require_two_factor") == "on"
            _run(
                request,
                lambda: services.project_set_two_factor(
                    project=project, actor=request.principal, required=required, request=request
                ),
                "Two-factor requirement saved.",
            )
        elif action == "leave":
            _run(
                request,
                lambda: services.project_leave(
                    project=project, user=request.principal, request=request
                ),
                f"You left {project.name}.",
            )
            if not can(request.principal, Action.VIEW_MANAGE, project):
                return redirect("packages:manage-projects")
        elif action in ("yank", "unyank"):
            release = get_object_or_404(Release, project=project, pk=_posted_id(request, "release"))
            if action == "yank":
                reason = request.POST.get("reason", "")
                _run(
                    request,
                    lambda: services.release_yank(
                        release=release, actor=request.principal, reason=reason, request=request
                    ),
                    f"Yanked {release.version}.",
                )
            else:
                _run(
                    request,
                    lambda: services.release_unyank(
                        release=release, actor=request.principal, request=request
                    ),
                    f"Un-yanked {release.version}.",
                )
        return redirect("packages:manage-project", project.normalized_name)
    releases = sorted(project.releases.all(), key=lambda r: r.parsed_version, reverse=True)
    return render(
        request,
        "packages/manage_project.html",
        {
            "project": project,
            "releases": releases,
            "events": project.events.select_related("actor")[:100],
            "role": project.role_of(request.user),
            "is_owner": can(request.principal, Action.MANAGE_SETTINGS, project),
        },
    )


@reauth_required_when(posts_action("invite", "change", "remove", "revoke"))
def collaboration(request: HttpRequest, name: str) -> HttpResponse:
    project = _project_for(request, name)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            username, role = request.POST.get("username", ""), request.POST.get("role", "")
            _run(
                request,
                lambda: services.role_invite(
                    project=project,
                    inviter=request.principal,
                    username=username,
                    role=role,
                    request=request,
                ),
                f"Invitation sent to {username}.",
            )
        elif action == "revoke":
            invitation = get_object_or_404(
                RoleInvitation, project=project, pk=_posted_id(request, "invitation")
            )
            _run(
                request,
                lambda: services.invitation_revoke(
                    invitation=invitation, actor=request.principal, request=request
                ),
                f"Invitation of {invitation.invitee.username} revoked.",
            )
        elif action in ("change", "remove"):
            member = get_object_or_404(User, pk=_posted_id(request, "user"))
            if action == "change":
                role = request.POST.get("role", "")
                _run(
                    request,
                    lambda: services.role_change(
                        project=project,
                        actor=request.principal,
                        user=member,
                        role=role,
                        request=request,
                    ),
                    f"{member.username} is now {role}.",
                )
            else:
                _run(
                    request,
                    lambda: services.role_remove(
                        project=project, actor=request.principal, user=member, request=request
                    ),
                    f"{member.username} was removed.",
                )
        return redirect("packages:manage-collaboration", project.normalized_name)
    return render(
        request,
        "packages/manage_collaboration.html",
        {
            "project": project,
            "roles": project.roles.select_related("user").order_by("role", "user__username"),
            # Everyone who can act on it, with where each role comes from (organization, team).
            "collaborators": project.collaborators(),
            "invitations": project.invitations.select_related("invitee", "inviter"),
            "is_owner": can(request.principal, Action.MANAGE_ROLES, project),
            "role_choices": Role.Kind.choices,
            "now": timezone.now(),
        },
    )


@reauth_required_when(posts_action("delete_release", "delete_file"))
def release(request: HttpRequest, name: str, version: str) -> HttpResponse:
    project = _project_for(request, name)
    release = get_object_or_404(
        Release, project=project, canonical_version=canonicalize_version(version)
    )
    if request.method == "POST":
        action = request.POST.get("action")
        confirm = request.POST.get("confirm", "")
        if action == "delete_release":
            try:
                services.release_delete(
                    release=release, actor=request.principal, confirm=confirm, request=request
                )
            except WharfError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"Deleted release {release.version}.")
                return redirect("packages:manage-project", project.normalized_name)
        elif action == "delete_file":
            file = get_object_or_404(release.files, pk=_posted_id(request, "file"))
            _run(
                request,
                lambda: services.file_delete(
                    file=file, actor=request.principal, confirm=confirm, request=request
                ),
                f"Deleted {file.filename}.",
            )
        return redirect("packages:manage-release", project.normalized_name, release.version)
    return render(
        request,
        "packages/manage_release.html",
        {
            "project": project,
            "release": release,
            "files": release.files.all(),
            "is_owner": can(request.principal, Action.DELETE, project),
        },
    )
