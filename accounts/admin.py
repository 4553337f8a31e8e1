from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import Http404
from django.urls import path

from core.admin_actions import run_for_each, with_reason
from core.permissions import Action, can

from . import freeze, services
from .models import AccountEvent, User

SETTING_PASSWORD_REFUSED = (
    "Staff can't set a user's password (a password someone else knows is a takeover): select "  # noqa: S105
    'the account in the list and use "Send a password reset link".'
)


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    fields = ("email", "verified", "primary")
    readonly_fields = ("email", "verified", "primary")
    can_delete = False


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    extra = 0
    fields = ("created", "tag", "ip_address", "user_agent", "details")
    readonly_fields = fields
    can_delete = False
    ordering = ("-created",)
    max_num = 0
    show_change_link = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "emailaddress__verified")
    search_fields = ("username", "email", "emailaddress__email")
    readonly_fields = ("terms_version", "terms_agreed_at", "last_login", "date_joined")
    # No "password" field: its form links to a page that sets any user's password.
    fieldsets = (
        (None, {"fields": ("username",)}),
        *BaseUserAdmin.fieldsets[1:],
        ("Terms of service", {"fields": ("terms_version", "terms_agreed_at")}),
    )
    inlines = [EmailAddressInline, AccountEventInline]
    actions = ["send_password_reset", "freeze_accounts", "thaw_accounts"]

    def get_urls(self):
        """Django's user admin without its "change password" page (it answers 404 and why)."""
        urls = [u for u in super().get_urls() if u.name != "auth_user_password_change"]
        refuse = self.admin_site.admin_view(self.password_change_refused)
        return [path("<id>/password/", refuse, name="auth_user_password_change"), *urls]

    def password_change_refused(self, request, id: str):
        raise Http404(SETTING_PASSWORD_REFUSED)

    def user_change_password(self, request, id, form_url=""):
        raise Http404(SETTING_PASSWORD_REFUSED)

    @admin.action(description="Send a password reset link (to the verified addresses)")
    def send_password_reset(self, request, queryset) -> None:
        sent = [
            user
            for user in queryset
            if services.password_reset_send(user=user, actor=request.user, request=request)
        ]
        messages.success(request, f"Sent a password reset link to {len(sent)} account(s).")
        if len(sent) < queryset.count():
            messages.warning(
                request,
                "Accounts without a verified address got nothing: they can use account recovery.",
            )

    def has_freeze_permission(self, request) -> bool:
        return bool(can(request.user, Action.TAKEDOWN_FREEZE))

    @admin.action(
        description="Freeze: no sign-in, tokens refused, sessions ended", permissions=["freeze"]
    )
    def freeze_accounts(self, request, queryset):
        return with_reason(
            self, request, queryset,
            title="Freeze these accounts",
            service=lambda user, reason: freeze.account_freeze(
                user=user, actor=request.user, reason=reason, request=request
            ),
            done="Frozen",
        )  # fmt: skip

    @admin.action(description="Thaw (undo a freeze)", permissions=["freeze"])
    def thaw_accounts(self, request, queryset):
        run_for_each(
            self, request, queryset,
            lambda user: freeze.account_thaw(user=user, actor=request.user, request=request),
            "Thawed",
        )  # fmt: skip


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ("created", "user", "tag", "ip_address")
    list_filter = ("tag",)
    search_fields = ("user__username", "tag", "ip_address")
    date_hierarchy = "created"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
