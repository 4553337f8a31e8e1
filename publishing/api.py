"""/api/v1/projects/<project>/publishers/: a project's trusted publishers (or the caller's
pending ones for a name not registered yet): list, add, remove."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, errors, paginated
from core.errors import NotAllowed, NotFound
from core.permissions import Action, can

from . import services
from .models import Publisher


class PublisherOutputSerializer(serializers.ModelSerializer):
    description = serializers.CharField(help_text="What it trusts, in words.")
    pending = serializers.BooleanField(source="is_pending", help_text="Not registered yet.")
    project = serializers.CharField(source="project_name")
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = Publisher
        fields = [
            "id",
            "kind",
            "description",
            "project",
            "pending",
            "issuer",
            "owner",
            "repository",
            "workflow",
            "namespace",
            "gitlab_project",
            "ci_config_path",
            "environment",
            "subject",
            "claims",
            "created",
            "created_by",
            "expires_at",
            "last_used_at",
        ]
        read_only_fields = fields


class PublisherInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Publisher.Kind.choices)
    owner = serializers.CharField(required=False, max_length=100, help_text="GitHub")
    repository = serializers.CharField(required=False, max_length=100, help_text="GitHub")
    workflow = serializers.CharField(required=False, max_length=255, help_text="GitHub")
    environment = serializers.CharField(
        required=False, allow_blank=True, max_length=255, help_text="GitHub, GitLab (optional)"
    )
    namespace = serializers.CharField(required=False, max_length=255, help_text="GitLab")
    project = serializers.CharField(required=False, max_length=255, help_text="GitLab")
    ci_config_path = serializers.CharField(required=False, max_length=255, help_text="GitLab")
    issuer = serializers.CharField(
        required=False, max_length=300, help_text="GitLab (optional), generic"
    )
    subject = serializers.CharField(
        required=False, max_length=500, help_text="generic: a `sub` pattern, * for any part"
    )
    claims = serializers.DictField(
        child=serializers.CharField(max_length=500),
        required=False,
        help_text="generic (optional): claims that must be equal",
    )


def _actor(request: Request) -> Any:
    return getattr(request, "principal", None) or request.user


def _publishers_of(request: Request, name: str):
    """The publishers the caller may see under this name: the project's, or their pending."""
    target = services.publisher_target(name)
    if target.pk is not None:
        if not can(_actor(request), Action.VIEW_MANAGE, target):
            raise NotAllowed(
                f'only collaborators of "{target.name}" can see its trusted publishers; ask '
                "one of its Owners."
            )
        return target.publishers.select_related("created_by")
    return (
        Publisher.objects.pending()
        .filter(project_name=target.normalized_name, created_by=request.user)
        .select_related("created_by")
    )


class PublisherListApi(ApiView):
    @extend_schema(
        operation_id="projects_publishers_list",
        responses={200: paginated(PublisherOutputSerializer), **errors(400, 401, 403)},
        summary="A project's trusted publishers (or your pending ones for an unregistered name)",
    )
    def get(self, request: Request, name: str) -> Response:
        return self.paginate(_publishers_of(request, name), PublisherOutputSerializer)

    @extend_schema(
        operation_id="projects_publishers_add",
        request=PublisherInputSerializer,
        responses={201: PublisherOutputSerializer, **errors(400, 401, 403, 409)},
        summary="Trust a CI workflow to publish (Owners; pending for an unregistered name)",
    )
    def post(self, request: Request, name: str) -> Response:
        data = PublisherInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        publisher = services.publisher_add(
            actor=_actor(request),
            project_name=name,
            spec=services.PublisherSpec(**data.validated_data),
            request=request._request,
        )
        return Response(PublisherOutputSerializer(publisher).data, status=status.HTTP_201_CREATED)


class PublisherDetailApi(ApiView):
    @extend_schema(
        operation_id="projects_publishers_remove",
        responses={204: None, **errors(400, 401, 403, 404)},
        summary="Stop trusting a publisher (Owners): no new tokens from it at once",
    )
    def delete(self, request: Request, name: str, publisher_id: int) -> Response:
        publisher = _publishers_of(request, name).filter(pk=publisher_id).first()
        if publisher is None:
            raise NotFound(
                f"no publisher {publisher_id} on {name[:200]!r}: list them with GET "
                "on the publishers of the project."
            )
        services.publisher_remove(
            actor=_actor(request), publisher=publisher, request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
