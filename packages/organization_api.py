"""/api/v1/ routes where organizations meet projects: team roles on projects, transfers, and
the caller's pending invitations (to projects and to organizations)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, errors
from core.errors import NotFound
from core.principals import Principal
from organizations import services as organization_services
from organizations.api import get_organization, visible_organization
from organizations.models import OrganizationInvitation

from . import ownership, services
from .models import Project, Role, RoleInvitation


class TeamProjectRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.Kind.choices)


class TeamProjectRoleOutputSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.name")
    project = serializers.CharField(source="project.name")
    role = serializers.ChoiceField(choices=Role.Kind.choices)


class TeamProjectRoleApi(ApiView):
    @extend_schema(
        operation_id="organizations_teams_projects_set",
        request=TeamProjectRoleInputSerializer,
        responses={200: TeamProjectRoleOutputSerializer, **errors(400, 401, 403, 404)},
        summary="Give the team a role (Owner or Maintainer) on an organization project",
    )
    def put(self, request: Request, org: str, team: str, project: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = TeamProjectRoleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team_role = ownership.team_project_role_set(
            team=organization_services.get_team(organization, team),
            project=ownership.get_organization_project(organization, project),
            role=data.validated_data["role"],
            actor=self.principal,
            request=request._request,
        )
        return Response(TeamProjectRoleOutputSerializer(team_role).data)

    @extend_schema(
        operation_id="organizations_teams_projects_remove",
        responses={204: None, **errors(401, 403, 404)},
        summary="Take the team's role on a project away",
    )
    def delete(self, request: Request, org: str, team: str, project: str) -> Response:
        organization = visible_organization(self.principal, org)
        ownership.team_project_role_remove(
            team=organization_services.get_team(organization, team),
            project=ownership.get_organization_project(organization, project),
            actor=self.principal,
            request=request._request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransferInputSerializer(serializers.Serializer):
    organization = serializers.CharField(
        max_length=100,
        allow_null=True,
        allow_blank=True,
        help_text="The organization to transfer into; null or empty: out of its organization.",
    )
    keep_roles = serializers.BooleanField(
        required=False, default=True, help_text="Keep the project's direct roles (transfer in)."
    )


class TransferOutputSerializer(serializers.Serializer):
    project = serializers.CharField(source="name")
    organization = serializers.CharField(source="organization.name", allow_null=True, default=None)


class ProjectTransferApi(ApiView):
    @extend_schema(
        operation_id="projects_transfer",
        request=TransferInputSerializer,
        responses={200: TransferOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Transfer a project into an organization (its Owner, an Owner or Manager "
        "there) or out of it (organization Owners)",
    )
    def post(self, request: Request, name: str) -> Response:
        project = Project.objects.for_name(name.replace("\x00", "")).first()
        if project is None:
            raise NotFound(f'no project named "{name[:200]}": check the name on /simple/.')
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = data.validated_data["organization"]
        if target:
            project = ownership.project_transfer_in(
                project=project,
                organization=get_organization(target),
                actor=self.principal,
                keep_roles=data.validated_data["keep_roles"],
                request=request._request,
            )
        else:
            project = ownership.project_transfer_out(
                project=project, actor=self.principal, request=request._request
            )
        return Response(TransferOutputSerializer(project).data)


class PendingInvitationOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text='"project-<n>" or "organization-<n>"')
    kind = serializers.CharField(help_text='"project" or "organization"')
    target = serializers.CharField(help_text="The project's or the organization's name.")
    role = serializers.CharField()
    inviter = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


def _pending(user) -> list[dict]:
    now = timezone.now()
    items = [
        {
            "id": f"project-{i.pk}",
            "kind": "project",
            "target": i.project.name,
            "role": i.role,
            "inviter": i.inviter.username if i.inviter else None,
            "created": i.created,
            "expires_at": i.expires_at,
        }
        for i in RoleInvitation.objects.filter(invitee=user, expires_at__gt=now).select_related(
            "project", "inviter"
        )
    ]
    items += [
        {
            "id": f"organization-{i.pk}",
            "kind": "organization",
            "target": i.organization.name,
            "role": i.role,
            "inviter": i.inviter.username if i.inviter else None,
            "created": i.created,
            "expires_at": i.expires_at,
        }
        for i in OrganizationInvitation.objects.filter(
            invitee=user, expires_at__gt=now
        ).select_related("organization", "inviter")
    ]
    return sorted(items, key=lambda item: item["created"], reverse=True)


class InvitationListApi(ApiView):
    @extend_schema(
        operation_id="invitations_list",
        responses={200: PendingInvitationOutputSerializer(many=True), **errors(401, 403)},
        summary="Your pending invitations to projects and organizations",
    )
    def get(self, request: Request) -> Response:
        return Response(
            PendingInvitationOutputSerializer(_pending(self.principal.user), many=True).data
        )


def _find_invitation(principal: Principal, invitation_id: str):
    kind, _, number = invitation_id.partition("-")
    user = principal.user
    found = None
    if number.isascii() and number.isdigit() and len(number) <= 18:
        if kind == "project":
            found = RoleInvitation.objects.filter(pk=int(number), invitee=user).first()
        elif kind == "organization":
            found = OrganizationInvitation.objects.filter(pk=int(number), invitee=user).first()
    if found is None:
        raise NotFound(
            f"no pending invitation {invitation_id[:50]!r} for you: list them with "
            "GET /api/v1/invitations/."
        )
    return kind, found


class InvitationAnswerApi(ApiView):
    answer = "accept"

    @extend_schema(
        request=None,
        responses={204: None, **errors(400, 401, 403, 404, 409)},
        summary="Accept or decline one of your invitations",
    )
    def post(self, request: Request, invitation_id: str) -> Response:
        kind, invitation = _find_invitation(self.principal, invitation_id)
        actor = self.principal
        if kind == "project":
            answer = (
                services.invitation_accept
                if self.answer == "accept"
                else services.invitation_decline
            )
            answer(invitation=invitation, user=actor.user, request=request._request)
        else:
            answer = (
                organization_services.invitation_accept
                if self.answer == "accept"
                else organization_services.invitation_decline
            )
            answer(invitation=invitation, actor=actor, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptApi(InvitationAnswerApi):
    answer = "accept"


class InvitationDeclineApi(InvitationAnswerApi):
    answer = "decline"
