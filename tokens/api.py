"""/api/v1/tokens/: the caller's API tokens (list, create, revoke)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import webauthn
from accounts.models import WebAuthnDevice
from accounts.twofactor import services as twofactor_services
from accounts.twofactor.verification import (
    TOO_MANY_ATTEMPTS,
    attempts_retry_after,
    count_failed_attempt,
)
from core.api import ApiView, TextField, errors, paginated
from core.errors import NotFound, RateLimited, Unauthenticated, WharfError
from core.permissions import Action, require
from core.principals import Kind, Principal
from packages.names import NAME_PATTERN, is_valid_name

from . import services
from .authentication import ApiAuthentication
from .models import AccessToken, Token


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


@extend_schema_field(
    {"type": "string", "pattern": NAME_PATTERN, "maxLength": 200, "example": "my-project"}
)
class ProjectNameField(TextField):
    """A project name as a token's scope names it (registered or not yet)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=200, **kwargs)

    def to_internal_value(self, data: object) -> str:
        name = super().to_internal_value(data)
        if not is_valid_name(name):
            raise serializers.ValidationError(
                f'"{name[:100]}" is not a valid project name: use letters, digits, ".", "_" '
                'and "-", starting and ending with a letter or digit.'
            )
        return name


class TokenCreateInputSerializer(serializers.Serializer):
    name = TextField(max_length=100)
    projects = serializers.ListField(
        child=ProjectNameField(),
        required=False,
        default=list,
        max_length=services.MAX_SCOPE_PROJECTS,
        help_text="Project names (registered or not yet); empty or absent = whole account.",
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When it stops working: a time in the future (RFC 3339); null or absent = never.",
    )


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
        require(self.principal, Action.TOKEN_CREATE)
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


# --- API access tokens: password (+ second factor) once, then Bearer for an hour -------------


class SessionTokenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="Revoke it with DELETE /api/v1/auth/session-tokens/<id>/."
    )
    token = serializers.CharField(
        help_text="Send it as `Authorization: Bearer <token>` to /api/v1/ (never to /legacy/)."
    )
    expires = serializers.IntegerField(help_text="When it stops working (Unix time).")
    expires_at = serializers.DateTimeField()


class AccessTokenOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessToken
        fields = [
            "id",
            "created",
            "expires_at",
            "created_ip",
            "user_agent",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "second_factor",
        ]
        read_only_fields = fields


class SessionTokenCreateInputSerializer(serializers.Serializer):
    webauthn = serializers.DictField(
        required=False,
        help_text="For an account with security keys and no X-OTP: the assertion "
        "(credential.toJSON()) answering POST /api/v1/auth/session-token/webauthn/begin/.",
    )


class _MintsWithPassword(ApiView):
    """HTTP Basic only; a two-factor account may prove its second factor with a key."""

    def get_authenticators(self):
        return [ApiAuthentication(factor_in_body=True)]

    def password_principal(self) -> Principal:
        principal = self.principal
        if principal.kind != Kind.PASSWORD:
            raise Unauthenticated(
                "an API access token is minted from your password: call this with HTTP Basic "
                "(username and password, plus X-OTP when two-factor authentication is on)."
            )
        return principal


class SessionTokenWebAuthnBeginApi(_MintsWithPassword):
    @extend_schema(
        operation_id="auth_session_token_webauthn_begin",
        request=None,
        auth=[{"basicAuth": []}],  # the password only, never a token
        responses={200: dict, **errors(400, 401, 429)},
        summary="Start a security-key assertion for an API access token (HTTP Basic password)",
        description="For accounts that use security keys: answers WebAuthn request options "
        "(`publicKey`) to sign with the key; send the assertion to "
        "POST /api/v1/auth/session-token/ within three minutes.",
    )
    def post(self, request: Request) -> Response:
        user = self.password_principal().user
        if not WebAuthnDevice.objects.filter(user=user, confirmed=True).exists():
            raise Unauthenticated(
                "this account has no security key: send a current code from your "
                "authenticator app in the X-OTP header to POST /api/v1/auth/session-token/."
            )
        return Response(webauthn.begin_authentication(None, user, webauthn.API_PURPOSE))


class SessionTokenCreateApi(_MintsWithPassword):
    @extend_schema(
        operation_id="auth_session_token_create",
        request=SessionTokenCreateInputSerializer,
        auth=[{"basicAuth": []}],  # minted from the password only, never from a token
        responses={201: SessionTokenOutputSerializer, **errors(400, 401, 403, 429)},
        summary="Get an API access token (HTTP Basic password, plus X-OTP with 2FA)",
        description="Send your username (or email) and password with HTTP Basic, and for an "
        "account with two-factor authentication the current authenticator-app code in the "
        "X-OTP header (or, with security keys, a `webauthn` assertion in the body). The "
        "answer's token calls every /api/v1/ operation as `Authorization: Bearer <token>` "
        "until it expires (API_SESSION_TOKEN_MINUTES), is revoked, or the password changes. "
        "It never uploads.",
    )
    def post(self, request: Request) -> Response:
        principal = self.password_principal()
        user = principal.user
        device = getattr(user, "otp_device", None)
        factor = getattr(device, "factor_name", "totp") if device else ""
        if request.content_type == "application/json":
            # A JSON body is checked whoever calls: a malformed one is refused, not ignored.
            SessionTokenCreateInputSerializer(data=request.data).is_valid(raise_exception=True)
        if user.has_two_factor and not principal.second_factor:
            data = SessionTokenCreateInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            if "webauthn" not in data.validated_data:
                raise Unauthenticated(
                    "this account has two-factor authentication: send the code from your "
                    "authenticator app in the X-OTP header, or sign with a security key (POST "
                    "/api/v1/auth/session-token/webauthn/begin/, then the assertion here as "
                    '{"webauthn": …}).'
                )
            if (wait := attempts_retry_after(user)) is not None:
                raise RateLimited(TOO_MANY_ATTEMPTS, retry_after=wait)
            try:
                assertion = webauthn.complete_authentication(
                    None, user, webauthn.API_PURPOSE, data.validated_data["webauthn"]
                )
                twofactor_services.webauthn_accept(assertion=assertion, request=request._request)
            except WharfError as error:
                count_failed_attempt(user)
                raise Unauthenticated(error.message) from error
            factor = "webauthn"
        token, raw = services.access_token_create(
            user=user, second_factor=factor, request=request._request
        )
        data = {
            "id": token.pk,
            "token": raw,
            "expires": int(token.expires_at.timestamp()),
            "expires_at": token.expires_at,
        }
        response = Response(SessionTokenOutputSerializer(data).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class SessionTokenListApi(ApiView):
    @extend_schema(
        operation_id="auth_session_tokens_list",
        responses={200: paginated(AccessTokenOutputSerializer), **errors(401, 403)},
        summary="List your API access tokens",
    )
    def get(self, request: Request) -> Response:
        return self.paginate(
            AccessToken.objects.for_user(request.user), AccessTokenOutputSerializer
        )


class SessionTokenRevokeApi(ApiView):
    @extend_schema(
        operation_id="auth_session_tokens_revoke",
        responses={204: None, **errors(401, 403, 404)},
        summary="Revoke one of your API access tokens",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        token = AccessToken.objects.filter(pk=token_id, user=request.user).first()
        if token is None:
            raise NotFound(
                "no such API access token among yours: list them with "
                "GET /api/v1/auth/session-tokens/."
            )
        services.access_token_revoke(token=token, actor=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
