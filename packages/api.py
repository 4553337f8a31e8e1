"""/api/v1/projects/: the caller's projects, a project's releases and files, and its roles."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core.api import ApiView, Pagination, TextField, errors, paginated
from core.errors import NotFound
from core.permissions import Action, require

from . import services
from .models import File, Project, Release, Role, RoleInvitation


def get_project(name: str) -> Project:
    project = Project.objects.for_name(name).first()
    if project is None:
        raise NotFound(f'no project named "{name[:200]}": check the name on /simple/.')
    return project


class ProjectOutputSerializer(serializers.ModelSerializer):
    role = serializers.CharField(allow_null=True, help_text="Your role on it, if any.")
    url = serializers.CharField(help_text="The public project page.")

    class Meta:
        model = Project
        fields = ["name", "normalized_name", "created", "role", "url"]
        read_only_fields = fields


class FileOutputSerializer(serializers.ModelSerializer):
    url = serializers.CharField()
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", allow_null=True, default=None
    )

    class Meta:
        model = File
        fields = [
            "filename",
            "packagetype",
            "python_version",
            "requires_python",
            "size",
            "sha256",
            "blake2_256",
            "upload_time",
            "uploaded_by",
            "url",
        ]
        read_only_fields = fields


class ReleaseOutputSerializer(serializers.ModelSerializer):
    files = FileOutputSerializer(many=True)

    class Meta:
        model = Release
        fields = [
            "version",
            "created",
            "summary",
            "requires_python",
            "yanked",
            "yanked_reason",
            "files",
        ]
        read_only_fields = fields


class RoleOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Role.Kind.choices)

    class Meta:
        model = Role
        fields = ["username", "role", "created"]
        read_only_fields = fields


def _with_role(projects, user):
    roles = dict(Role.objects.filter(user=user).values_list("project_id", "role"))
    for project in projects:
        project.role = roles.get(project.pk)
        project.url = reverse("packages:project", args=[project.normalized_name])
    return projects


class ProjectListApi(ApiView):
    @extend_schema(
        operation_id="projects_list",
        responses={200: paginated(ProjectOutputSerializer), **errors(401, 403)},
        summary="The projects you have a role on",
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(
            Project.objects.visible_to(request.user).order_by("normalized_name"), request, self
        )
        return paginator.get_paginated_response(
            ProjectOutputSerializer(_with_role(page, request.user), many=True).data
        )


class ProjectDetailApi(ApiView):
    @extend_schema(
        operation_id="projects_read",
        responses={200: ProjectOutputSerializer, **errors(401, 403, 404)},
        summary="One project",
    )
    def get(self, request: Request, name: str) -> Response:
        project = get_project(name)
        return Response(ProjectOutputSerializer(_with_role([project], request.user)[0]).data)


class ReleaseListApi(ApiView):
    @extend_schema(
        operation_id="projects_releases_list",
        responses={200: paginated(ReleaseOutputSerializer), **errors(401, 403, 404)},
        summary="A project's releases with their files, newest first",
    )
    def get(self, request: Request, name: str) -> Response:
        project = get_project(name)
        releases = (
            Release.objects.filter(project=project)
            .order_by("-created", "-id")
            .prefetch_related(
                Prefetch("files", queryset=File.objects.select_related("uploaded_by"))
            )
        )
        return self.paginate(releases, ReleaseOutputSerializer)


class RoleInviteInputSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    role = serializers.ChoiceField(choices=Role.Kind.choices)


class RoleChangeInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.Kind.choices)


class InvitationOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="invitee.username")
    role = serializers.ChoiceField(choices=Role.Kind.choices)

    class Meta:
        model = RoleInvitation
        fields = ["username", "role", "created", "expires_at"]
        read_only_fields = fields


def get_collaborator(project: Project, username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None or not Role.objects.filter(project=project, user=user).exists():
        raise NotFound(
            f'"{username[:150]}" has no role on "{project.name}": '
            f"list them with GET /api/v1/projects/{project.normalized_name}/roles/."
        )
    return user


class RoleListApi(ApiView):
    @extend_schema(
        operation_id="projects_roles_list",
        responses={200: paginated(RoleOutputSerializer), **errors(401, 403, 404)},
        summary="Who has which role on a project (collaborators only)",
    )
    def get(self, request: Request, name: str) -> Response:
        project = get_project(name)
        require(self.principal, Action.VIEW_ROLES, project)
        return self.paginate(
            Role.objects.filter(project=project).select_related("user").order_by("user__username"),
            RoleOutputSerializer,
        )

    @extend_schema(
        operation_id="projects_roles_invite",
        request=RoleInviteInputSerializer,
        responses={201: InvitationOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Invite a user to a role (Owners); they accept by email",
    )
    def post(self, request: Request, name: str) -> Response:
        project = get_project(name)
        data = RoleInviteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.role_invite(
            project=project,
            inviter=self.principal,
            username=data.validated_data["username"],
            role=data.validated_data["role"],
            request=request._request,
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class RoleDetailApi(ApiView):
    @extend_schema(
        operation_id="projects_roles_change",
        request=RoleChangeInputSerializer,
        responses={200: RoleOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Change a collaborator's role (Owners)",
    )
    def patch(self, request: Request, name: str, username: str) -> Response:
        project = get_project(name)
        data = RoleChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = services.role_change(
            project=project,
            actor=self.principal,
            user=get_collaborator(project, username),
            role=data.validated_data["role"],
            request=request._request,
        )
        return Response(RoleOutputSerializer(role).data)

    @extend_schema(
        operation_id="projects_roles_remove",
        responses={204: None, **errors(401, 403, 404, 409)},
        summary="Remove a collaborator (Owners)",
    )
    def delete(self, request: Request, name: str, username: str) -> Response:
        project = get_project(name)
        services.role_remove(
            project=project,
            actor=self.principal,
            user=get_collaborator(project, username),
            request=request._request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
