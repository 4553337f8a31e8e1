"""Organization pages: the public page, and management under /manage/organization/<name>/.

Thin adapters over organizations.services; project transfers, team roles on projects and
organization tokens are handled by the apps above (packages, tokens) on their own pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.reauth import posts_action, reauth_required_when
from core.errors import WharfError
from core.permissions import ORGANIZATION_ROLE_ACTIONS, Action, can
from core.principals import Principal, current

from . import services
from .models import Organization, OrganizationInvitation, OrganizationRole

MEMBER_ACTIONS = ("invite", "change", "remove", "revoke", "delete")
TEAM_ACTIONS = ("create", "delete", "add_member", "remove_member")


def actor_of(request: HttpRequest) -> Principal:
    """The request's principal, as the resolver set it."""
    return current(request)


def run(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Call one service; show its refusal as an error message instead of a page."""
    try:
        action()
    except WharfError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


def managed_organization(request: HttpRequest, name: str) -> Organization:
    organization = Organization.objects.for_name(name.replace("\x00", "")).first()
    if organization is None or not can(actor_of(request), Action.ORGANIZATION_VIEW, organization):
        # Not revealing more than the public page does: a 404 for non-members.
        raise Http404("you are not a member of this organization")
    return organization


def role_allows(organization: Organization, request: HttpRequest, action: Action) -> bool:
    """Whether the user's role allows action (re-authentication is asked when they do it)."""
    role = organization.role_of(request.user) or ""
    return action in ORGANIZATION_ROLE_ACTIONS.get(role, frozenset())


def _posted_id(request: HttpRequest, field: str) -> int:
    value = request.POST.get(field, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise Http404(f"no such {field}")
    return int(value)


def public_page(request: HttpRequest, org: str) -> HttpResponse:
    organization = get_object_or_404(
        Organization, normalized_name=org.replace("\x00", ""), status=Organization.Status.ACTIVE
    )
    members = (
        organization.roles.select_related("user").order_by("user__username")
        if organization.show_members
        else None
    )
    return render(
        request,
        "organizations/page.html",
        {
            "organization": organization,
            "projects": organization.projects.order_by("normalized_name"),
            "members": members,
        },
    )


@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            created: list[Organization] = []
            name = request.POST.get("name", "")
            ok = run(
                request,
                lambda: created.append(
                    services.organization_create(
                        actor=actor,
                        name=name,
                        display_name=request.POST.get("display_name", ""),
                        link=request.POST.get("link", ""),
                        description=request.POST.get("description", ""),
                        request=request,
                    )
                ),
                f"Created the organization {name.strip()[:100]}.",
            )
            if ok and not created[0].is_active:
                messages.info(
                    request, "It waits for approval by the index's staff: you will get an email."
                )
        elif action in ("accept", "decline"):
            invitation = get_object_or_404(
                OrganizationInvitation.objects.select_related("organization"),
                pk=_posted_id(request, "invitation"),
                invitee=request.user,
            )
            answer = (
                services.invitation_accept if action == "accept" else services.invitation_decline
            )
            verb = "joined" if action == "accept" else "declined the invitation to"
            run(
                request,
                lambda: answer(invitation=invitation, actor=actor, request=request),
                f"You {verb} {invitation.organization.name}.",
            )
        return redirect("organizations:list")
    roles = (
        OrganizationRole.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__normalized_name")
    )
    return render(
        request,
        "organizations/list.html",
        {
            "roles": roles,
            "invitations": services.pending_invitations_for(request.user),
            "can_create": can(actor, Action.ORGANIZATION_CREATE),
        },
    )


@reauth_required_when(posts_action(*MEMBER_ACTIONS))
def manage(request: HttpRequest, org: str) -> HttpResponse:
    organization = managed_organization(request, org)
    actor = actor_of(request)
    if request.method == "POST":
        action = request.POST.get("action")
        post = request.POST
        if action == "invite":
            who, role = post.get("username", ""), post.get("role", "")
            run(
                request,
                lambda: services.member_invite(
                    organization=organization, actor=actor, who=who, role=role, request=request
                ),
                f"Invitation sent to {who.strip()[:100]}.",
            )
        elif action == "revoke":
            invitation = get_object_or_404(
                OrganizationInvitation,
                organization=organization,
                pk=_posted_id(request, "invitation"),
            )
            run(
                request,
                lambda: services.invitation_revoke(
                    invitation=invitation, actor=actor, request=request
                ),
                f"Invitation of {invitation.invitee.username} revoked.",
            )
        elif action in ("change", "remove"):
            member = get_object_or_404(
                OrganizationRole.objects.select_related("user"),
                organization=organization,
                user_id=_posted_id(request, "user"),
            ).user
            if action == "change":
                role = post.get("role", "")
                run(
                    request,
                    lambda: services.member_change_role(
                        organization=organization,
                        actor=actor,
                        user=member,
                        role=role,
                        request=request,
                    ),
                    f"{member.username} is now {role[:20]}.",
                )
            else:
                removed: list[list[str]] = []
                if run(
                    request,
                    lambda: removed.append(
                        services.member_remove(
                            organization=organization, actor=actor, user=member, request=request
                        )
                    ),
                    f"{member.username} was removed.",
                ):
                    messages.info(request, "Removed: " + "; ".join(removed[0]) + ".")
        elif action == "leave":
            if run(
                request,
                lambda: services.member_leave(
                    organization=organization, actor=actor, request=request
                ),
                f"You left {organization.name}.",
            ):
                return redirect("organizations:list")
        elif action == "settings":
            run(
                request,
                lambda: services.organization_update(
                    organization=organization,
                    actor=actor,
                    request=request,
                    display_name=post.get("display_name", ""),
                    link=post.get("link", ""),
                    description=post.get("description", ""),
                    require_two_factor=post.get("require_two_factor") == "on",
                    show_members=post.get("show_members") == "on",
                ),
                "Settings saved.",
            )
        elif action == "delete" and run(
            request,
            lambda: services.organization_delete(
                organization=organization,
                actor=actor,
                confirm=post.get("confirm", ""),
                request=request,
            ),
            f"Deleted the organization {organization.name}.",
        ):
            return redirect("organizations:list")
        return redirect("organizations:manage", organization.normalized_name)
    is_owner = can(actor, Action.ORGANIZATION_SETTINGS, organization)
    return render(
        request,
        "organizations/manage.html",
        {
            "organization": organization,
            "members": organization.roles.select_related("user").order_by("user__username"),
            "invitations": organization.invitations.select_related("invitee", "inviter"),
            "role": organization.role_of(request.user),
            # Shown to those whose role allows it; the form then asks to re-authenticate.
            "can_manage_members": role_allows(
                organization, request, Action.ORGANIZATION_MANAGE_MEMBERS
            ),
            "is_owner": is_owner,
            "non_compliant": services.members_without_two_factor(organization) if is_owner else [],
            "events": organization.events.select_related("actor")[:100] if is_owner else [],
            "role_choices": OrganizationRole.Kind.choices,
            "now": timezone.now(),
        },
    )


@reauth_required_when(posts_action(*TEAM_ACTIONS))
def teams(request: HttpRequest, org: str) -> HttpResponse:
    organization = managed_organization(request, org)
    actor = actor_of(request)
    if request.method == "POST":
        action = request.POST.get("action")
        post = request.POST
        if action == "create":
            team_name = post.get("name", "")
            run(
                request,
                lambda: services.team_create(
                    organization=organization, actor=actor, name=team_name, request=request
                ),
                f"Created the team {team_name.strip()[:100]}.",
            )
        elif action in ("delete", "add_member", "remove_member"):
            team = get_object_or_404(organization.teams, pk=_posted_id(request, "team"))
            if action == "delete":
                run(
                    request,
                    lambda: services.team_delete(team=team, actor=actor, request=request),
                    f"Deleted the team {team.name}.",
                )
            elif action == "add_member":
                username = post.get("username", "")
                run(
                    request,
                    lambda: services.team_member_add(
                        team=team, actor=actor, username=username, request=request
                    ),
                    f"Added {username.strip()[:100]} to {team.name}.",
                )
            else:
                username = post.get("username", "")
                run(
                    request,
                    lambda: services.team_member_remove(
                        team=team, actor=actor, username=username, request=request
                    ),
                    f"Removed {username[:100]} from {team.name}.",
                )
        return redirect("organizations:teams", organization.normalized_name)
    return render(
        request,
        "organizations/teams.html",
        {
            "organization": organization,
            "teams": organization.teams.prefetch_related("members__user", "project_roles__project"),
            "projects": organization.projects.order_by("normalized_name"),
            "can_manage": role_allows(organization, request, Action.ORGANIZATION_MANAGE_TEAMS),
            "members": organization.roles.select_related("user").order_by("user__username"),
        },
    )
