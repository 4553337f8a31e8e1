"""/api/v1/tokens/: the caller's API tokens (list, create, revoke)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.reauth import is_recently_authenticated
from core.api import ApiView, errors, paginated
from core.errors import NotAllowed, NotFound

from . import services
from .models import Token


class TokenOutputSerializer(serializers.ModelSerializer):
    projects = serializers.ListField(
        child=serializers.CharField(), help_text="Normalized project names; empty = whole account."
    )
    status = serializers.ChoiceField(choices=["active", "revoked", "expired"], read_only=True)

    class Meta:
        model = Token
        fields = [
            "id",
            "name",
            "projects",
            "created",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "revoked_reason",
            "status",
        ]
        read_only_fields = fields


class TokenCreatedSerializer(TokenOutputSerializer):
    token = serializers.CharField(help_text="The secret, shown this once. Store it now.")

    class Meta(TokenOutputSerializer.Meta):
        fields = [*TokenOutputSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    projects = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=services.MAX_SCOPE_PROJECTS,
        help_text="Project names (registered or not yet); empty or absent = whole account.",
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TokenListCreateApi(ApiView):
    @extend_schema(
        operation_id="tokens_list",
        responses={200: paginated(TokenOutputSerializer), **errors(401, 403)},
        summary="List your API tokens",
    )
    def get(self, request: Request) -> Response:
        return self.paginate(Token.objects.for_user(request.user), TokenOutputSerializer)

    @extend_schema(
        operation_id="tokens_create",
        request=TokenCreateInputSerializer,
        responses={201: TokenCreatedSerializer, **errors(400, 401, 403)},
        summary="Create an API token (the secret is in the answer, once)",
    )
    def post(self, request: Request) -> Response:
        # A browser session mints tokens only after a recent password check, as the web
        # page does; HTTP Basic sends the password (and X-OTP) with every call.
        by_session = isinstance(request.successful_authenticator, SessionAuthentication)
        if by_session and not is_recently_authenticated(request._request):
            raise NotAllowed(
                "confirm it's you first: re-enter your password at "
                f"{settings.SITE_URL}/manage/account/reauthenticate/ and retry, "
                "or call the API with HTTP Basic."
            )
        data = TokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = services.token_create(
            user=request.user,
            name=data.validated_data["name"],
            projects=data.validated_data["projects"],
            expires_at=data.validated_data["expires_at"],
            request=request._request,
        )
        token.token = raw
        return Response(TokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeApi(ApiView):
    @extend_schema(
        operation_id="tokens_revoke",
        responses={204: None, **errors(401, 403, 404)},
        summary="Revoke one of your API tokens",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        token = Token.objects.filter(pk=token_id, user=request.user).first()
        if token is None:
            raise NotFound("no such token among yours: list them with GET /api/v1/tokens/.")
        services.token_revoke(token=token, by=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
