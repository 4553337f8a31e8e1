"""Admin: a read-only window onto organizations, their members, teams and history.

Approval, decline, deactivation and reactivation are buttons that call the services
(audited, and mailed to the Owners); nothing else is edited here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse

from core.errors import WharfError

from . import services
from .models import (
    Organization,
    OrganizationEvent,
    OrganizationInvitation,
    OrganizationRole,
    Team,
    TeamMember,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RoleInline(ReadOnlyInline):
    model = OrganizationRole
    fields = ("user", "role", "created")
    readonly_fields = fields


class TeamInline(ReadOnlyInline):
    model = Team
    fields = ("name", "created")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OrganizationEvent
    fields = ("created", "tag", "actor", "ip_address", "details")
    readonly_fields = fields
    ordering = ("-created",)


ACTIONS = {
    "approve": "Approved.",
    "decline": "Declined; the Owners were told why.",
    "deactivate": "Deactivated; its tokens and team roles stop working.",
    "reactivate": "Active again.",
}


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name", "status", "created", "require_two_factor")
    list_filter = ("status", "require_two_factor")
    search_fields = ("name", "normalized_name", "display_name")
    readonly_fields = (
        "name",
        "normalized_name",
        "display_name",
        "link",
        "description",
        "created",
        "status",
        "status_message",
        "require_two_factor",
        "show_members",
    )
    inlines = [RoleInline, TeamInline, EventInline]
    change_form_template = "admin/organizations/organization/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [
            path("<path:object_id>/act/<str:action>/", act, name="organizations_act"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        organization = self.get_object(request, unquote(object_id))
        if organization is not None:
            extra_context = {
                **(extra_context or {}),
                "organization": organization,
                "can_act": self.has_change_permission(request, organization),
                "act_base": reverse(
                    "admin:organizations_act", args=[organization.pk, "approve"]
                ).removesuffix("approve/"),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def act_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """One button on the organization page: call the matching service, then back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        organization = self.get_object(request, unquote(object_id))
        if organization is None or not self.has_change_permission(request, organization):
            raise PermissionDenied
        message = request.POST.get("message", "")
        staff = request.user
        try:
            if action == "approve":
                services.organization_approve(
                    organization=organization, staff=staff, request=request
                )
            elif action == "decline":
                services.organization_decline(
                    organization=organization, staff=staff, message=message, request=request
                )
            elif action == "deactivate":
                services.organization_deactivate(
                    organization=organization, staff=staff, message=message, request=request
                )
            elif action == "reactivate":
                services.organization_reactivate(
                    organization=organization, staff=staff, request=request
                )
            else:
                raise WharfError(f"unknown action {action[:30]!r}: use the buttons on the page.")
        except WharfError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, ACTIONS[action])
        return redirect("admin:organizations_organization_change", organization.pk)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrganizationRole)
class OrganizationRoleAdmin(ReadOnlyAdmin):
    list_display = ("organization", "user", "role", "created")
    list_filter = ("role",)
    search_fields = ("organization__normalized_name", "user__username")
    list_select_related = ("organization", "user")


@admin.register(OrganizationInvitation)
class OrganizationInvitationAdmin(ReadOnlyAdmin):
    list_display = ("organization", "invitee", "role", "inviter", "created", "expires_at")
    list_select_related = ("organization", "invitee", "inviter")


class TeamMemberInline(ReadOnlyInline):
    model = TeamMember
    fields = ("user", "created")
    readonly_fields = fields


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "organization", "created")
    search_fields = ("name", "organization__normalized_name")
    list_select_related = ("organization",)
    inlines = [TeamMemberInline]


@admin.register(OrganizationEvent)
class OrganizationEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "organization", "tag", "actor", "ip_address")
    list_filter = ("tag",)
    search_fields = ("organization__normalized_name", "tag", "actor__username")
    list_select_related = ("organization", "actor")
