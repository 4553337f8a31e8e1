"""Trusted publishers through the API: list, add, remove.

/api/v1/projects/<project>/publishers/: a project's (or the caller's pending ones for a name
not registered yet); /api/v1/organizations/<org>/publishers/: an organization's pending ones
and its projects' (Owners and Managers).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, errors, paginated
from core.errors import NotAllowed, NotFound, WharfError
from core.permissions import Action, can
from organizations.api import visible_organization

from . import oidc, services
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


def _pattern(regex: str, **kwargs: Any) -> serializers.RegexField:
    """A RegexField whose pattern the schema shows (so generated examples follow it)."""
    field_class = extend_schema_field({"type": "string", "pattern": regex})(
        type("PatternField", (serializers.RegexField,), {})
    )
    return field_class(regex, **kwargs)


ENVIRONMENT = serializers.CharField(
    required=False, allow_blank=True, max_length=255, help_text="Optional: only jobs in it."
)


class GitHubPublisherInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["github"])
    owner = _pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    repository = _pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    workflow = _pattern(
        r"^[A-Za-z0-9._-]{1,250}\.ya?ml$", help_text="The file under .github/workflows/."
    )
    environment = ENVIRONMENT


class GitLabPublisherInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["gitlab"])
    namespace = _pattern(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}$")
    project = _pattern(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}$")
    ci_config_path = _pattern(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]{0,254}$")
    environment = ENVIRONMENT
    issuer = serializers.ChoiceField(
        choices=[], required=False, help_text="GitLab.com or a self-managed GitLab it trusts."
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [i.url for i in oidc.issuers_of_kind("gitlab")]


class GenericPublisherInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["generic"])
    issuer = serializers.ChoiceField(choices=[], help_text="An OIDC issuer this index trusts.")
    subject = _pattern(
        r"^[^*\x00]+[^\x00]{0,499}$", help_text="The `sub` claim; * matches any part."
    )
    claims = serializers.DictField(
        child=serializers.CharField(max_length=500),
        required=False,
        help_text="Optional: claims that must be equal.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].choices = [i.url for i in oidc.issuers_of_kind("generic")]


INPUTS = {
    "github": GitHubPublisherInput,
    "gitlab": GitLabPublisherInput,
    "generic": GenericPublisherInput,
}
# The schema offers the kinds this index has an issuer for (an empty choice list is invalid).
PublisherInput = PolymorphicProxySerializer(
    component_name="PublisherInput",
    serializers=[INPUTS[kind] for kind in INPUTS if oidc.issuers_of_kind(kind)]
    or [GitHubPublisherInput],
    resource_type_field_name=None,
)


def _input(data: Any, inputs: dict[str, type] = INPUTS) -> dict[str, Any]:
    """The validated body, by the serializer of its kind."""
    kind = data.get("kind") if isinstance(data, dict) else None
    serializer_class = inputs.get(kind) if isinstance(kind, str) else None
    if serializer_class is None:
        raise ValidationError({"kind": ["choose github, gitlab or generic."]})
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _target(name: str):
    try:
        return services.publisher_target(name)
    except WharfError as error:
        raise NotFound(f"no project can be named {name[:200]!r}: {error.message}") from error


def _actor(request: Request) -> Any:
    return getattr(request, "principal", None) or request.user


def _publishers_of(request: Request, name: str):
    """The publishers the caller may see under this name: the project's, or their pending."""
    target = _target(name)
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
        request=PublisherInput,
        responses={201: PublisherOutputSerializer, **errors(400, 401, 403, 409)},
        summary="Trust a CI workflow to publish (Owners; pending for an unregistered name)",
    )
    def post(self, request: Request, name: str) -> Response:
        _target(name)
        publisher = services.publisher_add(
            actor=_actor(request),
            project_name=name,
            spec=services.PublisherSpec(**_input(request.data)),
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


# --- an organization's publishers ----------------------------------------------------------

PROJECT_NAME = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$"


def _for_organization(serializer_class: type) -> type:
    """The kind's input plus the Wharf project it publishes (GitLab's `project` is GitLab's)."""
    return type(
        f"Organization{serializer_class.__name__}",
        (serializer_class,),
        {
            "project_name": _pattern(
                PROJECT_NAME,
                help_text="The project it publishes: one of the organization's, or a new name "
                "(pending: its first use creates the project in the organization).",
            )
        },
    )


ORGANIZATION_INPUTS = {kind: _for_organization(cls) for kind, cls in INPUTS.items()}
OrganizationPublisherInput = PolymorphicProxySerializer(
    component_name="OrganizationPublisherInput",
    serializers=[ORGANIZATION_INPUTS[kind] for kind in INPUTS if oidc.issuers_of_kind(kind)]
    or [ORGANIZATION_INPUTS["github"]],
    resource_type_field_name=None,
)


def _organization_publishers(api: ApiView, org: str):
    organization = visible_organization(api.principal, org)
    if not can(api.principal, Action.ORGANIZATION_VIEW, organization):
        raise NotAllowed(f"only members of organization '{organization.name}' can see this.")
    return organization, services.organization_publishers(organization)


class OrganizationPublisherListApi(ApiView):
    @extend_schema(
        operation_id="organizations_publishers_list",
        responses={200: paginated(PublisherOutputSerializer), **errors(400, 401, 403, 404)},
        summary="An organization's pending trusted publishers and its projects' (members)",
    )
    def get(self, request: Request, org: str) -> Response:
        _organization, publishers = _organization_publishers(self, org)
        return self.paginate(publishers, PublisherOutputSerializer)

    @extend_schema(
        operation_id="organizations_publishers_add",
        request=OrganizationPublisherInput,
        responses={201: PublisherOutputSerializer, **errors(400, 401, 403, 404, 409)},
        summary="Trust a CI workflow to publish a project of the organization, or to create "
        "one in it (Owners and Managers)",
    )
    def post(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = dict(_input(request.data, ORGANIZATION_INPUTS))
        publisher = services.organization_publisher_add(
            actor=self.principal,
            organization=organization,
            project_name=data.pop("project_name"),
            spec=services.PublisherSpec(**data),
            request=request._request,
        )
        return Response(PublisherOutputSerializer(publisher).data, status=status.HTTP_201_CREATED)


class OrganizationPublisherDetailApi(ApiView):
    @extend_schema(
        operation_id="organizations_publishers_remove",
        responses={204: None, **errors(400, 401, 403, 404)},
        summary="Stop trusting one of the organization's publishers (Owners and Managers)",
    )
    def delete(self, request: Request, org: str, publisher_id: int) -> Response:
        _organization, publishers = _organization_publishers(self, org)
        publisher = publishers.filter(pk=publisher_id).first()
        if publisher is None:
            raise NotFound(
                f"no publisher {publisher_id} in organization {org[:100]!r}: list them with "
                "GET on the organization's publishers."
            )
        services.publisher_remove(
            actor=self.principal, publisher=publisher, request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def require_publisher_body(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular hook: a polymorphic body (one of the three kinds) is still required."""
    for path, operations in result.get("paths", {}).items():
        if path.endswith("/publishers/") and "post" in operations:
            body = operations["post"].get("requestBody")
            if body is not None:
                body["required"] = True
    return result
