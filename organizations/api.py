"""/api/v1/organizations/: organizations, their members and teams (one view per operation)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, Pagination, errors, paginated
from core.errors import NotFound
from core.permissions import Action, require
from core.principals import Principal

from . import services
from .models import Organization, OrganizationInvitation, OrganizationRole, Team, TeamMember


def get_organization(name: str) -> Organization:
    organization = Organization.objects.for_name((name or "").replace("\x00", "")).first()
    if organization is None:
        raise NotFound(
            f"no organization named {str(name)[:100]!r}: list yours with GET "
            "/api/v1/organizations/."
        )
    return organization


def visible_organization(principal: Principal, name: str) -> Organization:
    """The organization, if the caller is a member (others get the same 404 as for none)."""
    organization = get_organization(name)
    if not organization.role_of(principal.user):
        raise NotFound(
            f"no organization named {str(name)[:100]!r} among yours: the public page is "
            f"/org/{organization.normalized_name}/."
        )
    return organization


class OrganizationOutputSerializer(serializers.ModelSerializer):
    role = serializers.CharField(allow_null=True, help_text="Your role in it, if any.")

    class Meta:
        model = Organization
        fields = [
            "name",
            "normalized_name",
            "display_name",
            "link",
            "description",
            "created",
            "status",
            "require_two_factor",
            "show_members",
            "role",
        ]
        read_only_fields = fields


def _with_role(organization: Organization, principal: Principal) -> Organization:
    organization.role = organization.role_of(principal.user)
    return organization


class OrganizationCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    display_name = serializers.CharField(max_length=200, required=False, default="")
    link = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    description = serializers.CharField(
        max_length=5000, required=False, default="", allow_blank=True
    )


class OrganizationUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=200, required=False)
    link = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    require_two_factor = serializers.BooleanField(required=False)
    show_members = serializers.BooleanField(required=False)


class OrganizationListCreateApi(ApiView):
    @extend_schema(
        operation_id="organizations_list",
        responses={200: paginated(OrganizationOutputSerializer), **errors(401, 403)},
        summary="The organizations you belong to",
    )
    def get(self, request: Request) -> Response:
        user = self.principal.user
        roles = dict(OrganizationRole.objects.filter(user=user).values_list("organization", "role"))
        paginator = Pagination()
        page = paginator.paginate_queryset(Organization.objects.of_user(user), request, self)
        for organization in page:
            organization.role = roles.get(organization.pk)
        return paginator.get_paginated_response(OrganizationOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="organizations_create",
        request=OrganizationCreateInputSerializer,
        responses={
            201: OrganizationOutputSerializer,
            202: OrganizationOutputSerializer,
            **errors(400, 401, 403, 409),
        },
        summary="Create an organization (verified email and two-factor needed); 202 when it "
        "waits for staff approval",
    )
    def post(self, request: Request) -> Response:
        data = OrganizationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = services.organization_create(
            actor=self.principal, request=request._request, **data.validated_data
        )
        code = status.HTTP_201_CREATED if organization.is_active else status.HTTP_202_ACCEPTED
        return Response(
            OrganizationOutputSerializer(_with_role(organization, self.principal)).data, status=code
        )


class OrganizationDetailApi(ApiView):
    @extend_schema(
        operation_id="organizations_read",
        responses={200: OrganizationOutputSerializer, **errors(401, 403, 404)},
        summary="One of your organizations",
    )
    def get(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        return Response(OrganizationOutputSerializer(_with_role(organization, self.principal)).data)

    @extend_schema(
        operation_id="organizations_update",
        request=OrganizationUpdateInputSerializer,
        responses={200: OrganizationOutputSerializer, **errors(400, 401, 403, 404)},
        summary="Change an organization's description and policies (Owners)",
    )
    def patch(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = OrganizationUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.organization_update(
            organization=organization,
            actor=self.principal,
            request=request._request,
            **data.validated_data,
        )
        return Response(OrganizationOutputSerializer(_with_role(organization, self.principal)).data)


class MemberOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=OrganizationRole.Kind.choices)

    class Meta:
        model = OrganizationRole
        fields = ["username", "role", "created"]
        read_only_fields = fields


class OrganizationInvitationOutputSerializer(serializers.ModelSerializer):
    id = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    username = serializers.CharField(source="invitee.username")
    organization = serializers.CharField(source="organization.name")
    role = serializers.ChoiceField(choices=OrganizationRole.Kind.choices)

    class Meta:
        model = OrganizationInvitation
        fields = ["id", "kind", "username", "organization", "role", "created", "expires_at"]
        read_only_fields = fields

    def get_id(self, invitation: OrganizationInvitation) -> str:
        return f"organization-{invitation.pk}"

    def get_kind(self, invitation: OrganizationInvitation) -> str:
        return "organization"


class MemberInviteInputSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=254, help_text="The person's username or one of their verified addresses."
    )
    role = serializers.ChoiceField(choices=OrganizationRole.Kind.choices)


class MemberChangeInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=OrganizationRole.Kind.choices)


class MemberListApi(ApiView):
    @extend_schema(
        operation_id="organizations_members_list",
        responses={200: paginated(MemberOutputSerializer), **errors(401, 403, 404)},
        summary="An organization's members and their roles (members only)",
    )
    def get(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        return self.paginate(
            organization.roles.select_related("user").order_by("user__username"),
            MemberOutputSerializer,
        )

    @extend_schema(
        operation_id="organizations_members_invite",
        request=MemberInviteInputSerializer,
        responses={201: OrganizationInvitationOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Invite a person by username or verified email (Owners, Managers)",
    )
    def post(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = MemberInviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.member_invite(
            organization=organization,
            actor=self.principal,
            who=data.validated_data["username"],
            role=data.validated_data["role"],
            request=request._request,
        )
        return Response(
            OrganizationInvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED
        )


class MemberDetailApi(ApiView):
    @extend_schema(
        operation_id="organizations_members_change",
        request=MemberChangeInputSerializer,
        responses={200: MemberOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Change a member's role (Managers: not Owners)",
    )
    def patch(self, request: Request, org: str, username: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = MemberChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.get_member(organization, username)
        role = services.member_change_role(
            organization=organization,
            actor=self.principal,
            user=member.user,
            role=data.validated_data["role"],
            request=request._request,
        )
        return Response(MemberOutputSerializer(role).data)

    @extend_schema(
        operation_id="organizations_members_remove",
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Remove a member (or yourself: leave); offboards them in one step",
    )
    def delete(self, request: Request, org: str, username: str) -> Response:
        organization = visible_organization(self.principal, org)
        actor = self.principal
        member = services.get_member(organization, username)
        if actor.user is not None and member.user_id == actor.user.pk:
            services.member_leave(organization=organization, actor=actor, request=request._request)
        else:
            services.member_remove(
                organization=organization,
                actor=actor,
                user=member.user,
                request=request._request,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamOutputSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    projects = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["name", "normalized_name", "created", "members", "projects"]
        read_only_fields = fields

    def get_members(self, team: Team) -> list[str]:
        return [m.user.username for m in team.members.all()]

    def get_projects(self, team: Team) -> list[dict[str, str]]:
        return [{"project": r.project.name, "role": r.role} for r in team.project_roles.all()]


def teams_of(organization: Organization):
    return organization.teams.prefetch_related("members__user", "project_roles__project")


class TeamCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class TeamListApi(ApiView):
    @extend_schema(
        operation_id="organizations_teams_list",
        responses={200: paginated(TeamOutputSerializer), **errors(401, 403, 404)},
        summary="An organization's teams, their members and project roles (members only)",
    )
    def get(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        return self.paginate(teams_of(organization), TeamOutputSerializer)

    @extend_schema(
        operation_id="organizations_teams_create",
        request=TeamCreateInputSerializer,
        responses={201: TeamOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Create a team (Owners, Managers)",
    )
    def post(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = TeamCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_create(
            organization=organization,
            actor=self.principal,
            name=data.validated_data["name"],
            request=request._request,
        )
        return Response(TeamOutputSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(ApiView):
    @extend_schema(
        operation_id="organizations_teams_read",
        responses={200: TeamOutputSerializer, **errors(401, 403, 404)},
        summary="One team",
    )
    def get(self, request: Request, org: str, team: str) -> Response:
        organization = visible_organization(self.principal, org)
        found = services.get_team(organization, team)
        return Response(TeamOutputSerializer(teams_of(organization).get(pk=found.pk)).data)

    @extend_schema(
        operation_id="organizations_teams_delete",
        responses={204: None, **errors(401, 403, 404)},
        summary="Delete a team (Owners, Managers)",
    )
    def delete(self, request: Request, org: str, team: str) -> Response:
        organization = visible_organization(self.principal, org)
        services.team_delete(
            team=services.get_team(organization, team),
            actor=self.principal,
            request=request._request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamMemberOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    team = serializers.CharField(source="team.name")

    class Meta:
        model = TeamMember
        fields = ["team", "username", "created"]
        read_only_fields = fields


class TeamMemberApi(ApiView):
    @extend_schema(
        operation_id="organizations_teams_members_add",
        request=None,
        responses={200: TeamMemberOutputSerializer, **errors(401, 403, 404)},
        summary="Put a member of the organization into the team (Owners, Managers)",
    )
    def put(self, request: Request, org: str, team: str, username: str) -> Response:
        organization = visible_organization(self.principal, org)
        membership = services.team_member_add(
            team=services.get_team(organization, team),
            actor=self.principal,
            username=username,
            request=request._request,
        )
        return Response(TeamMemberOutputSerializer(membership).data)

    @extend_schema(
        operation_id="organizations_teams_members_remove",
        responses={204: None, **errors(401, 403, 404)},
        summary="Take a person out of the team (Owners, Managers)",
    )
    def delete(self, request: Request, org: str, team: str, username: str) -> Response:
        organization = visible_organization(self.principal, org)
        services.team_member_remove(
            team=services.get_team(organization, team),
            actor=self.principal,
            username=username,
            request=request._request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationEventOutputSerializer(serializers.Serializer):
    tag = serializers.CharField()
    created = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    ip_address = serializers.CharField(allow_null=True)
    details = serializers.DictField()


class OrganizationEventsApi(ApiView):
    @extend_schema(
        operation_id="organizations_events_list",
        responses={200: paginated(OrganizationEventOutputSerializer), **errors(401, 403, 404)},
        summary="An organization's history (Owners)",
    )
    def get(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        require(self.principal, Action.ORGANIZATION_HISTORY, organization)
        return self.paginate(
            organization.events.select_related("actor"), OrganizationEventOutputSerializer
        )
