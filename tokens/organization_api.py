"""/api/v1/organizations/<org>/tokens/: the organization's upload tokens."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, errors, paginated
from core.errors import NotFound
from core.permissions import Action, require
from organizations.api import visible_organization

from . import services
from .models import Token


class OrganizationTokenOutputSerializer(serializers.ModelSerializer):
    projects = serializers.ListField(
        child=serializers.CharField(),
        help_text="Normalized project names; empty = all the organization's projects.",
    )
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=["active", "revoked", "expired"], read_only=True)

    class Meta:
        model = Token
        fields = [
            "id",
            "name",
            "projects",
            "created",
            "created_by",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "revoked_reason",
            "status",
        ]
        read_only_fields = fields


class OrganizationTokenCreatedSerializer(OrganizationTokenOutputSerializer):
    token = serializers.CharField(help_text="The secret, shown this once. Store it now.")

    class Meta(OrganizationTokenOutputSerializer.Meta):
        fields = [*OrganizationTokenOutputSerializer.Meta.fields, "token"]
        read_only_fields = fields


class OrganizationTokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    projects = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=services.MAX_SCOPE_PROJECTS,
        help_text="Organization projects or unregistered names; empty = all its projects.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class OrganizationTokenListCreateApi(ApiView):
    @extend_schema(
        operation_id="organizations_tokens_list",
        responses={200: paginated(OrganizationTokenOutputSerializer), **errors(401, 403, 404)},
        summary="The organization's tokens, who created each, last use (Owners, Managers)",
    )
    def get(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        require(self.principal, Action.ORGANIZATION_MANAGE_TOKENS, organization)
        return self.paginate(
            organization.tokens.select_related("created_by").order_by("-created", "-id"),
            OrganizationTokenOutputSerializer,
        )

    @extend_schema(
        operation_id="organizations_tokens_create",
        request=OrganizationTokenCreateInputSerializer,
        responses={201: OrganizationTokenCreatedSerializer, **errors(400, 401, 403, 404)},
        summary="Create an organization token (the secret is in the answer, once)",
    )
    def post(self, request: Request, org: str) -> Response:
        organization = visible_organization(self.principal, org)
        data = OrganizationTokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.organization_token_create(
            organization=organization,
            actor=self.principal,
            request=request._request,
            **data.validated_data,
        )
        token.token = raw
        return Response(
            OrganizationTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED
        )


class OrganizationTokenRevokeApi(ApiView):
    @extend_schema(
        operation_id="organizations_tokens_revoke",
        responses={204: None, **errors(401, 403, 404)},
        summary="Revoke one of the organization's tokens (Owners, Managers)",
    )
    def delete(self, request: Request, org: str, token_id: int) -> Response:
        organization = visible_organization(self.principal, org)
        token = Token.objects.filter(pk=token_id, organization=organization).first()
        if token is None:
            raise NotFound(
                "no such token in this organization: list them with "
                f"GET /api/v1/organizations/{organization.normalized_name}/tokens/."
            )
        services.organization_token_revoke(token=token, actor=self.principal, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
