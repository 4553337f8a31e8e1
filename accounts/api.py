"""/api/v1/account/: the caller, their email addresses and their security history."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, errors, paginated

from .models import AccountEvent
from .twofactor import user_has_two_factor


class EmailOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailAddress
        fields = ["email", "verified", "primary"]
        read_only_fields = fields


class AccountOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    date_joined = serializers.DateTimeField()
    two_factor_enabled = serializers.BooleanField()
    emails = EmailOutputSerializer(many=True)


class EventOutputSerializer(serializers.ModelSerializer):
    details = serializers.DictField()

    class Meta:
        model = AccountEvent
        fields = ["tag", "created", "ip_address", "user_agent", "details"]
        read_only_fields = fields


class AccountApi(ApiView):
    @extend_schema(
        operation_id="account_read",
        responses={200: AccountOutputSerializer, **errors(401, 403)},
        summary="The signed-in account",
    )
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            AccountOutputSerializer(
                {
                    "username": user.username,
                    "name": user.get_full_name(),
                    "date_joined": user.date_joined,
                    "two_factor_enabled": user_has_two_factor(user),
                    "emails": EmailAddress.objects.filter(user=user).order_by("-primary", "email"),
                }
            ).data
        )


class AccountEmailsApi(ApiView):
    @extend_schema(
        operation_id="account_emails_list",
        responses={200: paginated(EmailOutputSerializer), **errors(401, 403)},
        summary="Your email addresses",
    )
    def get(self, request: Request) -> Response:
        return self.paginate(
            EmailAddress.objects.filter(user=request.user).order_by("-primary", "email"),
            EmailOutputSerializer,
        )


class AccountEventsApi(ApiView):
    @extend_schema(
        operation_id="account_events_list",
        responses={200: paginated(EventOutputSerializer), **errors(401, 403)},
        summary="Your recent security history, newest first",
    )
    def get(self, request: Request) -> Response:
        return self.paginate(AccountEvent.objects.for_user(request.user), EventOutputSerializer)
