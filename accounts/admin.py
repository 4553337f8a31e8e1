from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AccountEvent, User


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
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Terms of service", {"fields": ("terms_version", "terms_agreed_at")}),
    )
    inlines = [EmailAddressInline, AccountEventInline]


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
