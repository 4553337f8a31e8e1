"""The organization's projects page (/manage/organization/<name>/projects/): transfers in and
out, and the teams' roles on each project."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.reauth import posts_action, reauth_required_when
from core.permissions import Action
from organizations.views import actor_of, managed_organization, role_allows, run

from . import ownership
from .models import Project, Role, TeamProjectRole

ACTIONS = ("transfer_in", "transfer_out", "team_role", "remove_team_role")


def _posted_id(request: HttpRequest, field: str) -> int:
    value = request.POST.get(field, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise Http404(f"no such {field}")
    return int(value)


@reauth_required_when(posts_action(*ACTIONS))
def organization_projects(request: HttpRequest, org: str) -> HttpResponse:
    organization = managed_organization(request, org)
    actor = actor_of(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "transfer_in":
            project = get_object_or_404(Project, pk=_posted_id(request, "project"))
            keep = request.POST.get("keep_roles") == "on"
            run(
                request,
                lambda: ownership.project_transfer_in(
                    project=project,
                    organization=organization,
                    actor=actor,
                    keep_roles=keep,
                    request=request,
                ),
                f"{project.name} now belongs to {organization.name}.",
            )
        elif action == "transfer_out":
            project = get_object_or_404(
                Project, pk=_posted_id(request, "project"), organization=organization
            )
            run(
                request,
                lambda: ownership.project_transfer_out(
                    project=project, actor=actor, request=request
                ),
                f"{project.name} left {organization.name}; you are its Owner.",
            )
        elif action in ("team_role", "remove_team_role"):
            project = get_object_or_404(
                Project, pk=_posted_id(request, "project"), organization=organization
            )
            team = get_object_or_404(organization.teams, pk=_posted_id(request, "team"))
            if action == "team_role":
                role = request.POST.get("role", "")
                run(
                    request,
                    lambda: ownership.team_project_role_set(
                        team=team, project=project, role=role, actor=actor, request=request
                    ),
                    f"Team {team.name} is now {role[:20]} of {project.name}.",
                )
            else:
                run(
                    request,
                    lambda: ownership.team_project_role_remove(
                        team=team, project=project, actor=actor, request=request
                    ),
                    f"Team {team.name} no longer has a role on {project.name}.",
                )
        return redirect("packages:organization-projects", organization.normalized_name)
    projects = organization.projects.order_by("normalized_name")
    team_roles = TeamProjectRole.objects.filter(project__organization=organization).select_related(
        "team", "project"
    )
    by_project: dict[int, list[TeamProjectRole]] = {}
    for team_role in team_roles:
        by_project.setdefault(team_role.project_id, []).append(team_role)
    rows = [{"project": p, "team_roles": by_project.get(p.pk, [])} for p in projects]
    mine = Project.objects.filter(
        roles__user=request.user, roles__role=Role.Kind.OWNER, organization__isnull=True
    ).order_by("normalized_name")
    return render(
        request,
        "packages/organization_projects.html",
        {
            "organization": organization,
            "rows": rows,
            "teams": organization.teams.all(),
            "transferable": mine
            if role_allows(organization, request, Action.ORGANIZATION_MANAGE_PROJECTS)
            else [],
            "can_manage_teams": role_allows(
                organization, request, Action.ORGANIZATION_MANAGE_TEAMS
            ),
            "can_transfer_out": role_allows(
                organization, request, Action.ORGANIZATION_TRANSFER_OUT
            ),
            "role_choices": Role.Kind.choices,
        },
    )
