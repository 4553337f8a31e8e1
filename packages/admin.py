"""Admin: a read-only window onto projects, releases, files and their history.

Changes go through the project's Owners and packages.services; staff see the evidence.
The only changes staff make here are takedowns (packages.takedown), as actions with a
reason, allowed by `can()` (support staff hold packages.takedown).
"""

from __future__ import annotations

from django.contrib import admin

from core.admin_actions import run_for_each, with_reason
from core.permissions import Action, can

from . import takedown
from .models import File, FilenameUse, Project, ProjectEvent, Release, Role, RoleInvitation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_takedown_permission(self, request) -> bool:
        return bool(can(request.user, Action.TAKEDOWN_REMOVE))

    def has_view_permission(self, request, obj=None) -> bool:
        # Support staff who may take things down may look at what they take down.
        return super().has_view_permission(request, obj) or self.has_takedown_permission(request)

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


class QuarantinedFilter(admin.SimpleListFilter):
    title = "quarantine"
    parameter_name = "quarantined"

    def lookups(self, request, model_admin):
        return [("yes", "Quarantined"), ("no", "Listed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(quarantined_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(quarantined_at__isnull=True)
        return queryset


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = (
        "name", "normalized_name", "created", "require_two_factor", "total_size", "quarantined_at",
    )  # fmt: skip
    search_fields = ("name", "normalized_name")
    list_filter = ("require_two_factor", QuarantinedFilter)
    inlines = [RoleInline, ProjectEventInline]
    actions = ["quarantine", "lift_quarantine"]

    @admin.action(
        description="Quarantine: hide from installers, refuse uploads", permissions=["takedown"]
    )
    def quarantine(self, request, queryset):
        return with_reason(
            self, request, queryset,
            title="Quarantine these projects",
            service=lambda project, reason: takedown.project_quarantine(
                project=project, actor=request.user, reason=reason, request=request
            ),
            done="Quarantined",
        )  # fmt: skip

    @admin.action(description="Lift the quarantine", permissions=["takedown"])
    def lift_quarantine(self, request, queryset):
        run_for_each(
            self, request, queryset,
            lambda project: takedown.project_unquarantine(
                project=project, actor=request.user, request=request
            ),
            "Quarantine lifted",
        )  # fmt: skip


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("project", "version", "created", "yanked")
    list_filter = ("yanked",)
    search_fields = ("project__normalized_name", "version")
    list_select_related = ("project",)
    actions = ["remove"]

    @admin.action(
        description="Remove with a reason (filenames stay used)", permissions=["takedown"]
    )
    def remove(self, request, queryset):
        return with_reason(
            self, request, queryset,
            title="Remove these releases and their files",
            service=lambda release, reason: takedown.release_remove(
                release=release, actor=request.user, reason=reason, request=request
            ),
            done="Removed",
        )  # fmt: skip


@admin.register(File)
class FileAdmin(ReadOnlyAdmin):
    list_display = ("filename", "packagetype", "size", "upload_time", "uploaded_by", "upload_token")
    list_filter = ("packagetype",)
    search_fields = ("filename", "sha256")
    list_select_related = ("uploaded_by", "upload_token")
    actions = ["remove"]

    @admin.action(
        description="Remove with a reason (the filename stays used)", permissions=["takedown"]
    )
    def remove(self, request, queryset):
        return with_reason(
            self, request, queryset,
            title="Remove these files",
            service=lambda file, reason: takedown.file_remove(
                file=file, actor=request.user, reason=reason, request=request
            ),
            done="Removed",
        )  # fmt: skip


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
