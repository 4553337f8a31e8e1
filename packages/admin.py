"""Admin: a read-only window onto projects, releases, files and their history.

Changes go through the project's Owners and packages.services; staff see the evidence.
"""

from __future__ import annotations

from django.contrib import admin

from .models import File, FilenameUse, Project, ProjectEvent, Release, Role, RoleInvitation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RoleInline(admin.TabularInline):
    model = Role
    fields = ("user", "role", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ProjectEventInline(admin.TabularInline):
    model = ProjectEvent
    fields = ("created", "tag", "actor", "ip_address", "details")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "normalized_name", "created", "require_two_factor", "total_size")
    search_fields = ("name", "normalized_name")
    list_filter = ("require_two_factor",)
    inlines = [RoleInline, ProjectEventInline]


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("project", "version", "created", "yanked")
    list_filter = ("yanked",)
    search_fields = ("project__normalized_name", "version")
    list_select_related = ("project",)


@admin.register(File)
class FileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "packagetype", "size", "upload_time", "uploaded_by", "upload_token")
    list_filter = ("packagetype",)
    search_fields = ("filename", "sha256")
    list_select_related = ("uploaded_by", "upload_token")


@admin.register(ProjectEvent)
class ProjectEventAdmin(ReadOnlyAdmin):
    list_display = ("created", "project", "tag", "actor", "ip_address")
    list_filter = ("tag",)
    search_fields = ("project__normalized_name", "actor__username", "tag")
    list_select_related = ("project", "actor")


@admin.register(RoleInvitation)
class RoleInvitationAdmin(ReadOnlyAdmin):
    list_display = ("project", "invitee", "role", "inviter", "created", "expires_at")
    list_select_related = ("project", "invitee", "inviter")


@admin.register(FilenameUse)
class FilenameUseAdmin(ReadOnlyAdmin):
    list_display = ("filename", "project_name", "created")
    search_fields = ("filename",)
