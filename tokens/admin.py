from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Token
from .services import token_revoke_by_staff


class TokenStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """Read-only evidence; revoking goes through the service (event + mail to the owner)."""

    list_display = (
        "name",
        "user",
        "scope_label",
        "created",
        "last_used_at",
        "expires_at",
        "status",
    )
    list_filter = (TokenStatusFilter, "created")
    search_fields = ("name", "user__username", "public_id")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "organization",
        "created_by",
        "name",
        "public_id",
        "projects",
        "created",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_reason",
        "publisher",
        "publisher_claims",
    )
    exclude = ("secret_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    # Staff who may only look at tokens (view permission) must not revoke them.
    @admin.action(
        description="Revoke the selected tokens (owners are emailed)", permissions=["change"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke_by_staff(
                token=token,
                staff=request.user,
                reason="revoked by the index's staff",
                request=request,
            )
            count += 1
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
