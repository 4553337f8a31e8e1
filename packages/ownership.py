"""Organization-owned projects: transfers in and out, team roles on projects, offboarding.

The organization side (members, teams) is in organizations.services; what touches a
project is here, because packages sits above organizations in the layers.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from core.errors import Conflict, NotFound, WharfError
from core.permissions import Action, require
from core.principals import Principal, as_principal
from organizations import emails as organization_emails
from organizations.models import Organization, Team
from organizations.services import record_organization_event
from organizations.signals import member_removed

from . import emails, simple
from .models import Project, Role, TeamProjectRole
from .services import record_project_event

Actor = Principal | User


def _changed(project: Project) -> None:
    """The public pages name the owner: drop the cached pages once committed."""
    name = project.normalized_name
    transaction.on_commit(lambda: simple.invalidate(name))


@transaction.atomic
def project_transfer_in(
    *,
    project: Project,
    organization: Organization,
    actor: Actor,
    keep_roles: bool = True,
    request: HttpRequest | None = None,
) -> Project:
    """A project Owner who is an Owner or Manager of the organization gives the project to it."""
    require(actor, Action.PROJECT_TRANSFER, project)
    require(actor, Action.ORGANIZATION_MANAGE_PROJECTS, organization)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.organization_id == organization.pk:
        raise Conflict(f"'{project.name}' already belongs to organization '{organization.name}'.")
    if project.organization_id is not None:
        raise Conflict(
            f"'{project.name}' belongs to organization '{project.organization.name}': an Owner "
            "of that organization must transfer it out first."
        )
    dropped = []
    if not keep_roles:
        dropped = list(project.roles.select_related("user"))
        project.roles.all().delete()
    project.organization = organization
    project.save(update_fields=["organization"])
    _changed(project)
    label = as_principal(actor).label
    record_project_event(
        project=project,
        tag="project:organization:transferred_in",
        actor=as_principal(actor).user,
        request=request,
        organization=organization.name,
        dropped_roles=[f"{r.user.username} ({r.role})" for r in dropped],
    )
    record_organization_event(
        organization=organization,
        tag="organization:project:transferred_in",
        actor=actor,
        request=request,
        project=project.name,
        kept_roles=keep_roles,
    )
    summary = f"{label} transferred {project.name} into organization {organization.name}"
    summary += "." if keep_roles else ", dropping the previous direct roles."
    emails.send_owners_email(project, summary, also=[r.user for r in dropped])
    organization_emails.send_owners_email(organization, summary)
    return project


@transaction.atomic
def project_transfer_out(
    *, project: Project, actor: Actor, request: HttpRequest | None = None
) -> Project:
    """An organization Owner takes a project out of the organization; they become its Owner."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=project.pk)
    )
    organization = project.organization
    if organization is None:
        raise Conflict(f"'{project.name}' belongs to no organization.")
    require(actor, Action.ORGANIZATION_TRANSFER_OUT, organization)
    user = as_principal(actor).user
    if user is None:
        raise WharfError("a person must take the project: sign in as an Owner.")
    TeamProjectRole.objects.filter(project=project).delete()
    Role.objects.update_or_create(project=project, user=user, defaults={"role": Role.Kind.OWNER})
    project.organization = None
    project.save(update_fields=["organization"])
    _changed(project)
    record_project_event(
        project=project,
        tag="project:organization:transferred_out",
        actor=user,
        request=request,
        organization=organization.name,
    )
    record_organization_event(
        organization=organization,
        tag="organization:project:transferred_out",
        actor=actor,
        request=request,
        project=project.name,
    )
    summary = (
        f"{user.username} transferred {project.name} out of organization {organization.name} "
        f"and is now its Owner."
    )
    emails.send_owners_email(project, summary)
    organization_emails.send_owners_email(organization, summary)
    return project


def get_organization_project(organization: Organization, name: str) -> Project:
    project = Project.objects.for_name((name or "").replace("\x00", "")).first()
    if project is None or project.organization_id != organization.pk:
        raise NotFound(
            f"organization '{organization.name}' owns no project named {str(name)[:200]!r}: "
            "transfer it into the organization first."
        )
    return project


@transaction.atomic
def team_project_role_set(
    *,
    team: Team,
    project: Project,
    role: str,
    actor: Actor,
    request: HttpRequest | None = None,
) -> TeamProjectRole:
    """Give a team a role (Owner or Maintainer) on one of the organization's projects."""
    organization = team.organization
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    if role not in Role.Kind.values:
        raise WharfError(f"unknown role {str(role)[:50]!r}: choose Owner or Maintainer.")
    if project.organization_id != organization.pk:
        raise WharfError(
            f"'{project.name}' does not belong to organization '{organization.name}': transfer "
            "it in before giving a team a role on it."
        )
    team_role, created = TeamProjectRole.objects.get_or_create(
        team=team, project=project, defaults={"role": role}
    )
    if not created and team_role.role == role:
        return team_role
    previous = None if created else team_role.role
    team_role.role = role
    team_role.save(update_fields=["role"])
    details: dict[str, Any] = {"team": team.name, "role": role, "previous": previous}
    record_project_event(
        project=project,
        tag="project:team:role_set",
        actor=as_principal(actor).user,
        request=request,
        **details,
    )
    record_organization_event(
        organization=organization,
        tag="organization:team:project_role_set",
        actor=actor,
        request=request,
        project=project.name,
        **details,
    )
    emails.send_owners_email(
        project, f"{as_principal(actor).label} made team {team.name} {role} of {project.name}."
    )
    return team_role


@transaction.atomic
def team_project_role_remove(
    *, team: Team, project: Project, actor: Actor, request: HttpRequest | None = None
) -> None:
    """Take a team's role on a project away."""
    organization = team.organization
    require(actor, Action.ORGANIZATION_MANAGE_TEAMS, organization)
    team_role = TeamProjectRole.objects.filter(team=team, project=project).first()
    if team_role is None:
        raise NotFound(f"team {team.name} has no role on '{project.name}'.")
    team_role.delete()
    record_project_event(
        project=project,
        tag="project:team:role_removed",
        actor=as_principal(actor).user,
        request=request,
        team=team.name,
        role=team_role.role,
    )
    record_organization_event(
        organization=organization,
        tag="organization:team:project_role_removed",
        actor=actor,
        request=request,
        project=project.name,
        team=team.name,
    )
    emails.send_owners_email(
        project, f"{as_principal(actor).label} removed team {team.name}'s role on {project.name}."
    )


@receiver(member_removed)
def drop_direct_roles(
    sender: type, organization: Organization, user: User, request: HttpRequest | None, **kwargs
) -> list[str]:
    """Offboarding: a departing member loses their direct roles on the organization's projects."""
    roles = list(
        Role.objects.filter(project__organization=organization, user=user).select_related("project")
    )
    for role in roles:
        role.delete()
        record_project_event(
            project=role.project,
            tag="project:role:removed",
            actor=None,
            request=request,
            username=user.username,
            role=role.role,
            reason=f"left organization {organization.name}",
        )
    return [f"{role.role} role on {role.project.name}" for role in roles]
